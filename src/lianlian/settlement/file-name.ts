// What a settlement file's name says (protocol §7): its kind, the merchant, and the day or month it settles.
//   JYMX_<oid_partner>_<yyyyMMdd>.txt     daily, one settle_date
//   JYMX_<oid_partner>_<yyyyMM>.txt       monthly (on the 1st), a month of rows, same columns
//   JYMXSUM_<oid_partner>_<yyyyMMdd>.txt  the daily summary
import { DateTime } from 'luxon';
import { LIANLIAN_ZONE } from '../time.js';
import { SettlementFileError } from './file-error.js';

export type SettlementFileKind = 'daily' | 'monthly' | 'summary';

export interface SettlementFileName {
  name: string;
  kind: SettlementFileKind;
  oid_partner: string;
  /** `yyyyMMdd` for a daily or summary file, null for a monthly one. */
  settle_date: string | null;
  /** `yyyyMM`: the month of a monthly file, the month of the day otherwise. */
  settle_month: string;
}

const NAME = /^(JYMX|JYMXSUM)_(\d{18})_(\d{6}|\d{8})\.txt$/;

/** Whether `name` (no directory) is shaped like a settlement file: what a directory watch or an SFTP listing keeps. */
export function isSettlementFileName(name: string): boolean {
  return NAME.test(name);
}

/**
 * Reads a settlement file's name (without its directory). The date must be a real day (or month) in UTC+8.
 * @throws SettlementFileError (`LLRECON_SETTLEMENT_FILE`, field `filename`) naming what is wrong.
 */
export function parseSettlementFileName(name: string): SettlementFileName {
  const match = NAME.exec(name);
  if (match === null) {
    throw new SettlementFileError(
      `"${name}" is not a settlement file name: expected JYMX_<oid_partner>_<yyyyMMdd>.txt, JYMX_<oid_partner>_<yyyyMM>.txt or JYMXSUM_<oid_partner>_<yyyyMMdd>.txt (oid_partner: 18 digits)`,
      { column: 'filename' },
    );
  }
  const [, prefix, oidPartner, date] = match as unknown as [string, string, string, string];
  const daily = date.length === 8;
  if (prefix === 'JYMXSUM' && !daily) {
    throw new SettlementFileError(`"${name}": a summary file names a day (yyyyMMdd), not a month`, { column: 'filename' });
  }
  const format = daily ? 'yyyyMMdd' : 'yyyyMM';
  const at = DateTime.fromFormat(date, format, { zone: LIANLIAN_ZONE });
  if (!at.isValid || at.toFormat(format) !== date) {
    throw new SettlementFileError(`"${name}": ${date} is not a real ${daily ? 'day (yyyyMMdd)' : 'month (yyyyMM)'}`, {
      column: 'filename',
    });
  }
  return {
    name,
    kind: prefix === 'JYMXSUM' ? 'summary' : daily ? 'daily' : 'monthly',
    oid_partner: oidPartner,
    settle_date: daily ? date : null,
    settle_month: date.slice(0, 6),
  };
}
