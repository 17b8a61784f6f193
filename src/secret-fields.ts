// THE list of field names whose values are secrets or card data. The logger redacts exactly these (pino paths
// need exact keys); the job dashboard masks these too, and any name its wider patterns catch (see
// src/http/admin/masking.ts). Pure: no imports.

/** Fields whose values never reach a log or the dashboard, at any depth. */
export const SECRET_FIELDS: readonly string[] = Object.freeze([
  // LianLian signatures and what is signed with secrets in it
  'sign',
  'signString',
  'verify_code',
  'token',
  'no_agree',
  'risk_item',
  // card and identity data
  'card_no',
  'id_no',
  'acct_name',
  'bind_mob',
  // our own secrets
  'privateKey',
  'privateKeyText',
  'privateKeyPem',
  'private_key',
  'merchantKey',
  'adminToken',
  'admin_token',
  'secret',
  'webhookSecret',
  'password',
  // HTTP credentials
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  'set-cookie',
  'Set-Cookie',
]);
