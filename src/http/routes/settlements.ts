// The settlement API (bearer token): upload one of LianLian's settlement files (operator), and read what was found,
// by day (viewer). A malformed file is refused whole (400 LLRECON_SETTLEMENT_FILE naming the line and the column).
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Engine } from '../../engine-types.js';
import { LlreconError } from '../../errors.js';
import type { SettlementService } from '../../settlement/service.js';
import { listSettlementDays, settlementDay, type DayReport } from '../../settlement/reports.js';
import { Access } from '../access.js';
import { requireUser } from '../auth.js';
import { SETTLEMENT_SCHEMAS } from '../openapi-routes.js';

const FILENAME_HEADER = 'x-filename';

/** A day with nothing known of it: every count 0. */
function emptyDay(date: string): DayReport {
  const counts = { matched: 0, amount_mismatch: 0, not_captured: 0, missing: 0, untracked: 0, refund: 0, other: 0 };
  return { settle_date: date, files: [], counts, summary_ok: null, summary_differences: [], items: [], disagreements: [] };
}

export function settlementsOf(engine: Engine): SettlementService {
  if (!engine.settlements) throw new LlreconError('LLRECON_INTERNAL', 'this llrecon has no settlement part');
  return engine.settlements;
}

/** A settle date from a path: `yyyyMMdd`. */
export function settleDateParam(text: string): string {
  if (!/^\d{8}$/.test(text)) throw new LlreconError('LLRECON_INVALID_FIELD', 'settle_date: expected yyyyMMdd', { field: 'settle_date' });
  return text;
}

export const settlementRoutes: FastifyPluginAsync<{ engine: Engine; access?: Access }> = async (
  app: FastifyInstance,
  { engine, access },
) => {
  app.addHook('onRequest', requireUser(access ?? Access.for(engine)));
  // the body is the file's bytes, whatever the content type: streamed to the import, never parsed here
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  app.post('/settlements/files', { schema: SETTLEMENT_SCHEMAS.upload }, async (req) => {
    const name = req.headers[FILENAME_HEADER];
    if (typeof name !== 'string' || name === '')
      throw new LlreconError('LLRECON_MISSING_FIELD', "X-Filename: the settlement file's name (JYMX_<oid_partner>_<date>.txt)", {
        field: 'X-Filename',
      });
    if (req.body === undefined || req.body === null)
      throw new LlreconError('LLRECON_MISSING_FIELD', "the file's bytes as the body", { field: 'body' });
    return settlementsOf(engine).importUpload(req.body as NodeJS.ReadableStream, name);
  });

  app.get('/settlements', { schema: SETTLEMENT_SCHEMAS.days }, async () => {
    const s = settlementsOf(engine);
    return { days: await listSettlementDays({ ...s.deps }) };
  });

  app.get<{ Params: { settle_date: string } }>('/settlements/:settle_date', { schema: SETTLEMENT_SCHEMAS.day }, async (req) => {
    const date = settleDateParam(req.params.settle_date);
    const s = settlementsOf(engine);
    return (await settlementDay({ ...s.deps }, date)) ?? emptyDay(date);
  });
};
