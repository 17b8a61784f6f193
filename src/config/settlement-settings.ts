// The settlement-file settings (SETTLEMENT_*), a part of the one settings table (settings.ts spreads them after
// DATA_DIR): kept here so that the table stays readable.
import { directory, duration, oneOf, text, url } from './parsers.js';
import { requiredWith, setting, SettingProblem, type Setting } from './setting.js';

export const SETTLEMENT_SETTINGS: readonly Setting[] = [
  setting({
    name: 'SETTLEMENT_DIR',
    field: 'settlementDir',
    meaning:
      "a directory where LianLian's `JYMX_*`/`JYMXSUM_*` settlement files land (your SFTP sync, the dashboard's download, or `SETTLEMENT_SFTP_URL`'s fetch): a file is imported once its size has stayed the same for 3 seconds; watched by one `query` process at a time",
    unset: 'no watch (`SETTLEMENT_SFTP_URL` then fetches into `DATA_DIR/settlement`)',
    parser: directory,
  }),
  setting({
    name: 'SETTLEMENT_SFTP_URL',
    field: 'settlementSftpUrl',
    meaning:
      "LianLian's SFTP server (`sftp://user@host:port/dir`): its settlement files are fetched every day after 09:00 UTC+8 by one `query` process, and on demand (`llrecon settle fetch`)",
    unset: 'no fetch',
    parser: url(['sftp:']),
    check: (v, ctx) =>
      v !== null && ctx.raw('SETTLEMENT_SFTP_KEY_FILE') === undefined && ctx.raw('SETTLEMENT_SFTP_PASSWORD') === undefined
        ? 'needs SETTLEMENT_SFTP_KEY_FILE or SETTLEMENT_SFTP_PASSWORD'
        : null,
  }),
  setting({
    name: 'SETTLEMENT_SFTP_KEY_FILE',
    field: 'settlementSftpKeyFile',
    meaning: 'the private key file (OpenSSH or PEM, unencrypted) that logs in to `SETTLEMENT_SFTP_URL`',
    unset: 'none',
    parser: directory,
  }),
  setting({
    name: 'SETTLEMENT_SFTP_PASSWORD',
    field: 'settlementSftpPassword',
    meaning: 'the password that logs in to `SETTLEMENT_SFTP_URL` (when there is no key), never printed',
    unset: 'none',
    file: true,
    secret: true,
    parser: text(),
  }),
  setting({
    name: 'SETTLEMENT_SFTP_HOST_KEY',
    field: 'settlementSftpHostKey',
    meaning:
      "the SFTP server's host key fingerprint, `SHA256:…` as `ssh-keygen -lf` prints it: any other server is refused before logging in",
    unset: 'none (required with `SETTLEMENT_SFTP_URL`)',
    parser: text((v) => (/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(v) ? null : `must be SHA256: and 43 base64 characters (got "${v}")`)),
    check: requiredWith('SETTLEMENT_SFTP_URL', 'SHA256:…'),
  }),
  setting({
    name: 'SETTLEMENT_ENCODING',
    field: 'settlementEncoding',
    meaning: 'how settlement files are decoded: `auto` (UTF-8 unless the bytes are not valid UTF-8, then GBK), `utf-8` or `gbk`',
    default: 'auto',
    parser: oneOf<'auto' | 'utf-8' | 'gbk'>(['auto', 'utf-8', 'gbk']),
  }),
  setting({
    name: 'SETTLEMENT_PREAUTH_PAY_TYPES',
    field: 'settlementPreauthPayTypes',
    meaning:
      'which `pay_type` values in a settlement row mark a pre-authorization (LianLian does not document it): such a row for an order llrecon never tracked is `untracked`, any other is `other`',
    default: 'F,G',
    parser: {
      parse(value) {
        const items = value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        if (items.length === 0 || items.some((s) => !/^[\x21-\x7e]{1,32}$/.test(s)))
          throw new SettingProblem(`must be a comma list of pay_type values (got "${value}")`);
        return items;
      },
      format: (v: string[]) => v.join(','),
    },
  }),
  setting({
    name: 'SETTLEMENT_GRACE',
    field: 'settlementGraceMs',
    meaning:
      'how long after the day (UTC+8) of its capture an order may be absent from every imported settlement file before it is `missing` (judged against the latest daily file)',
    default: '2d',
    parser: duration(0),
  }),
];
