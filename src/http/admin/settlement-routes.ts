// GET /admin/settlements[?date=yyyyMMdd]: the settlement days and one day's discrepancies; GET
// /admin/settlements/<yyyyMMdd>.csv: that day's discrepancies as a CSV download.
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine-types.js';
import { itemsCsv, listSettlementDays, settlementDay } from '../../settlement/reports.js';
import { settleDateParam, settlementsOf } from '../routes/settlements.js';
import { adminAuth } from './guard.js';
import { localeOf } from './i18n/index.js';
import { signedIn } from './order-routes.js';
import { settlementsPage } from './pages/settlements.js';
import { sendPage } from './reply.js';

export function registerSettlementRoutes(admin: FastifyInstance, engine: Engine): void {
  if (!engine.settlements) return;
  admin.get<{ Querystring: { date?: string } }>('/settlements', async (req, reply) => {
    const conn = { ...settlementsOf(engine).deps };
    const date = req.query.date ? settleDateParam(req.query.date) : null;
    const [days, day] = await Promise.all([listSettlementDays(conn), date === null ? null : settlementDay(conn, date)]);
    return sendPage(
      reply,
      200,
      settlementsPage({ locale: localeOf(req), csrf: adminAuth(req)?.csrf ?? '', user: signedIn(req), days, day }),
    );
  });
  admin.get<{ Params: { file: string } }>('/settlements/:file', async (req, reply) => {
    const date = settleDateParam(req.params.file.replace(/\.csv$/, ''));
    const day = await settlementDay({ ...settlementsOf(engine).deps }, date);
    const csv = day === null ? itemsCsv({ settle_date: date, items: [] } as never) : itemsCsv(day);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="settlement-${date}.csv"`)
      .header('cache-control', 'no-store')
      .send(csv);
  });
}
