// llrecon settle: LianLian's settlement files — import some (with progress), fetch them over SFTP now, or report
// what was found (the days, or one day's discrepancies as text, JSON or CSV).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type Config } from '../../config.js';
import { LlreconError } from '../../errors.js';
import { settlementDeps } from '../../settlement/deps.js';
import { settlementConfirm } from '../../settlement/for-engine.js';
import type { ImportResult } from '../../settlement/import.js';
import { itemsCsv, listSettlementDays, settlementDay } from '../../settlement/reports.js';
import { SettlementService } from '../../settlement/service.js';
import { openOps, type Ops } from '../ops.js';
import { progress } from '../progress.js';

/** The merchant of the daemon: LIANLIAN_OID_PARTNER, or the sandbox's generated one under DATA_DIR. */
function merchantOf(config: Config): string {
  if (config.oidPartner) return config.oidPartner;
  const file = join(config.dataDir, 'sandbox', 'oid_partner.txt');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw new LlreconError('LLRECON_CONFIG', 'LIANLIAN_OID_PARTNER: not set (and no sandbox merchant id under DATA_DIR)');
}

function serviceOf(ops: Ops): SettlementService {
  const deps = settlementDeps({
    redis: ops.redis,
    ks: ops.ks,
    oidPartner: merchantOf(ops.config),
    config: ops.config,
    log: ops.log,
    now: ops.now,
    confirm: settlementConfirm(ops),
  });
  return new SettlementService(deps, ops.config);
}

function countsLine(r: Pick<ImportResult, 'counts'>): string {
  return Object.entries(r.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

function resultLine(r: ImportResult): string {
  return `${r.file}: ${r.status}, ${r.rows} rows (${r.encoding})${countsLine(r) ? `: ${countsLine(r)}` : ''}${r.confirming ? `; ${r.confirming} confirming queries` : ''}`;
}

async function withOps(work: (ops: Ops) => Promise<void>): Promise<void> {
  const ops = await openOps(loadConfig());
  try {
    await work(ops);
  } finally {
    await ops.close();
  }
}

export function register(program: Command): void {
  const settle = program.command('settle').description("LianLian's settlement files: import, fetch, report");

  settle
    .command('import')
    .description('import settlement files (JYMX_*/JYMXSUM_*); the same file again changes nothing, a corrected one replaces it')
    .argument('<file...>', 'files to import')
    .action(async (files: string[]) =>
      withOps(async (ops) => {
        const service = serviceOf(ops);
        let refused = 0;
        for (const path of files) {
          let bar: ReturnType<typeof progress> | null = null;
          let shown = 0;
          try {
            const r = await service.importFile(path, {
              onProgress: (done, total) => {
                bar ??= progress(total, path.split('/').pop() ?? path);
                bar.tick(done - shown);
                shown = done;
              },
            });
            (bar as ReturnType<typeof progress> | null)?.done();
            process.stdout.write(`${resultLine(r)}\n`);
          } catch (err) {
            (bar as ReturnType<typeof progress> | null)?.done();
            if (!(err instanceof LlreconError)) throw err;
            refused += 1;
            process.stderr.write(`${path}: refused: ${err.message}\n`);
          }
        }
        if (refused > 0) process.exitCode = 2;
      }),
    );

  settle
    .command('fetch')
    .description('fetch the settlement files from SETTLEMENT_SFTP_URL now, and import the new or changed ones')
    .action(async () =>
      withOps(async (ops) => {
        const r = await serviceOf(ops).fetchNow();
        process.stdout.write(`${r.downloaded.length} downloaded, ${r.unchanged.length} unchanged\n`);
        for (const i of r.imported) process.stdout.write(`${resultLine(i)}\n`);
        for (const f of r.refused) process.stderr.write(`${f.file}: refused: ${f.error}\n`);
        if (r.refused.length > 0) process.exitCode = 2;
      }),
    );

  settle
    .command('report')
    .description('the days and their counts, or one day (--date) with its discrepancies')
    .option('--date <yyyyMMdd>', 'one settle date')
    .option('--json', 'print JSON')
    .option('--csv', "print the day's discrepancies as CSV (with --date)")
    .action(async (flags: { date?: string; json?: boolean; csv?: boolean }) =>
      withOps(async (ops) => {
        const conn = { redis: ops.redis, ks: ops.ks, oidPartner: merchantOf(ops.config) };
        if (flags.date === undefined) {
          if (flags.csv) throw new LlreconError('LLRECON_INVALID_FIELD', '--csv needs --date', { field: 'csv' });
          const days = await listSettlementDays(conn);
          if (flags.json) return void process.stdout.write(`${JSON.stringify({ days }, null, 2)}\n`);
          if (days.length === 0) return void process.stdout.write('no settlement file imported yet\n');
          for (const d of days)
            process.stdout.write(`${d.settle_date}  summary_ok ${String(d.summary_ok ?? '-')}  ${countsLine(d) || 'no rows'}\n`);
          return;
        }
        if (!/^\d{8}$/.test(flags.date)) throw new LlreconError('LLRECON_INVALID_FIELD', '--date: expected yyyyMMdd', { field: 'date' });
        const day = await settlementDay(conn, flags.date);
        if (day === null) throw new LlreconError('LLRECON_INVALID_FIELD', `nothing is known of ${flags.date}`, { field: 'date' });
        if (flags.csv) return void process.stdout.write(itemsCsv(day));
        if (flags.json) return void process.stdout.write(`${JSON.stringify(day, null, 2)}\n`);
        const out = [
          `${day.settle_date}: summary_ok ${String(day.summary_ok ?? '-')}  ${countsLine(day) || 'no rows'}`,
          `files: ${day.files.map((f) => `${f.name} (${f.rows} rows)`).join(', ') || '-'}`,
          ...day.items.map(
            (i) =>
              `  ${i.result.padEnd(15)} ${i.no_order}  llrecon ${i.llrecon ? `${i.llrecon.state} ${i.llrecon.money_order ?? '-'}` : '-'}` +
              `  lianlian ${i.lianlian ? `${i.lianlian.money_order} status ${i.lianlian.transaction_status} line ${i.lianlian.line}` : '-'}`,
          ),
          ...day.disagreements.map((d) => `  disagree        ${d.no_order}  ${d.counted.file} vs ${d.other.file}: ${d.fields.join(', ')}`),
        ];
        process.stdout.write(`${out.join('\n')}\n`);
      }),
    );
}
