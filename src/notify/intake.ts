// The fast half of callback handling. screenCallback() checks a callback's signature with the cached LianLian key
// (about 12 µs) before anything is stored; only one that verifies, for our merchant, is put in the notify queue,
// durably, where the notify workers check it again (they own the verdict and what it triggers).
// A callback is known by what is signed — the string to sign and `sign` — not by its bytes: LianLian's signature
// covers neither empty fields nor key order, so a replay with an extra empty field or its keys reordered is the same
// callback, and collapses on the job id (LianLian also resends every 2 minutes until acknowledged).
import { createHash } from 'node:crypto';
import type { EngineContext } from '../engine-context.js';
import type { PublicKey } from '../lianlian/keys.js';
import { buildSignString } from '../lianlian/sign-string.js';
import { verifyBody } from '../lianlian/signature.js';
import { parseSignedBody } from '../lianlian/signed-body.js';

/** Why a callback was refused at the door (the metric's `reason` label). */
export type DoorReason = 'unparseable' | 'no_sign' | 'mismatch' | 'non_string' | 'other_merchant';

/** A callback as screened at the door. */
export type Screened =
  | { verified: true; id: string; noOrder: string | null }
  | {
      verified: false;
      reason: DoorReason;
      /** The signed-content id (null when the body could not be read). */
      id: string | null;
      /** As sent: attacker text, to be scrubbed before it is logged or kept. */
      fields: Readonly<Record<string, string>>;
      signString: string;
    };

/** The id of a signed content: the string to sign and `sign`, hashed. */
export function signedContentId(signString: string, sign: string): string {
  return `n-${createHash('sha256').update(signString).update('\u0000').update(sign).digest('hex').slice(0, 40)}`;
}

/**
 * The notify job id of a queued callback: its signed content's id, so that two bodies with the same signed content
 * are one job. (`raw` is the JSON text queued: a form arrives as its fields in a JSON object.) A body that is not a
 * JSON object has no signed content: its bytes are hashed instead, under another prefix.
 */
export function notifyJobId(kind: 'async' | 'return', raw: string): string {
  try {
    const { fields } = parseSignedBody(raw);
    return signedContentId(buildSignString(fields), Object.hasOwn(fields, 'sign') ? (fields.sign ?? '') : '');
  } catch {
    return `n-${kind}-raw-${createHash('sha256').update(raw).digest('hex').slice(0, 40)}`;
  }
}

/**
 * Checks `raw` (a JSON object's text, a form's fields as one) with LianLian's key: verified when the signature
 * holds over the signed content and `oid_partner` is ours. Pure and cheap: no I/O.
 */
export function screenCallback(raw: string, key: PublicKey, oidPartner: string): Screened {
  let result: ReturnType<typeof verifyBody>;
  try {
    result = verifyBody(raw, key);
  } catch {
    return { verified: false, reason: 'unparseable', id: null, fields: {}, signString: '' };
  }
  const { fields } = parseSignedBody(raw); // cannot throw: verifyBody read it
  const sign = Object.hasOwn(fields, 'sign') ? (fields.sign ?? '') : '';
  const id = signedContentId(result.signString, sign);
  if (!result.valid) {
    const reason: DoorReason = result.reason === 'ok' ? 'mismatch' : result.reason;
    return { verified: false, reason, id, fields: result.fields, signString: result.signString };
  }
  if (result.fields.oid_partner !== oidPartner)
    return { verified: false, reason: 'other_merchant', id, fields: result.fields, signString: result.signString };
  return { verified: true, id, noOrder: result.fields.no_order ?? null };
}

/** Queue `raw` for the notify workers; a callback whose signed content is queued already adds nothing. */
export async function acceptNotification(ctx: Pick<EngineContext, 'queues' | 'now'>, raw: string, kind: 'async' | 'return'): Promise<void> {
  await ctx.queues.notify.add('notify', { kind, raw, at: ctx.now() }, { jobId: notifyJobId(kind, raw) });
}
