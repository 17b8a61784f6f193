// The capture and void clients: sign the request, POST it once, check LianLian's signed answer. Signing and
// sending are separate steps so that the caller can record "sent" durably between them (at most once): nothing
// here ever retries.
import type { Got } from 'got';
import type { PrivateKey, PublicKey } from '../lianlian/keys.js';
import type { PreauthActionAnswer } from '../lianlian/preauth-action.js';
import { buildPreauthCancelRequest, PREAUTH_CANCEL_PATH, readPreauthCancelAnswer } from '../lianlian/preauth-cancel.js';
import { buildPreauthCompleteRequest, PREAUTH_COMPLETE_PATH, readPreauthCompleteAnswer } from '../lianlian/preauth-complete.js';
import { closeHttpClient, createHttpClient, postJson } from './http.js';

export type ActionKind = 'capture' | 'void';

/** Options of {@link PreauthActionClient}. */
export interface PreauthActionClientOptions {
  /** Base of both endpoints: `TRADER_API_URL`, or the simulator's base URL. */
  traderUrl: string;
  oidPartner: string;
  privateKey: PrivateKey;
  lianlianPublicKey: PublicKey;
  timeoutMs: number;
  platform?: string | null;
  http?: Got;
}

/** The order and payer an action is about. */
export interface ActionOrder {
  no_order: string;
  dt_order: string;
  oid_paybill: string | null;
  pay_type: 'F' | 'G';
  platform: string | null;
  user_id: string;
}

/** A signed action request, ready to send. */
export interface SignedAction {
  kind: ActionKind;
  url: string;
  body: Readonly<Record<string, string>>;
  ids: { oid_partner: string; no_order: string; dt_order: string; oid_paybill: string | null; money_order: string };
}

/** Joins a base URL and a path, whether or not the base ends with `/`. */
export function endpointUrl(base: string, path: string): string {
  return new URL(path, base.endsWith('/') ? base : `${base}/`).toString();
}

/** Capture (`preauthComplete.htm`) and void (`preauthCancel.htm`) of LianLian's pre-authorizations. */
export class PreauthActionClient {
  private readonly http: Got;
  private readonly ownsHttp: boolean;

  constructor(private readonly opts: PreauthActionClientOptions) {
    this.ownsHttp = opts.http === undefined;
    this.http = opts.http ?? createHttpClient({ timeoutMs: opts.timeoutMs });
  }

  /**
   * The signed request (`money_order`: the amount to capture, or the authorized amount for a void).
   * @throws LlreconError `LLRECON_INVALID_FIELD` / `LLRECON_MISSING_FIELD` naming the field: nothing is sent.
   */
  sign(kind: ActionKind, order: ActionOrder, money_order: string, risk_item?: string | null): SignedAction {
    const input = {
      oid_partner: this.opts.oidPartner,
      no_order: order.no_order,
      dt_order: order.dt_order,
      oid_paybill: order.oid_paybill,
      pay_type: order.pay_type,
      platform: order.platform ?? this.opts.platform ?? null,
      user_id: order.user_id,
      money_order,
    };
    const body =
      kind === 'capture'
        ? buildPreauthCompleteRequest({ ...input, risk_item: risk_item ?? null }, this.opts.privateKey)
        : buildPreauthCancelRequest(input, this.opts.privateKey);
    const path = kind === 'capture' ? PREAUTH_COMPLETE_PATH : PREAUTH_CANCEL_PATH;
    return {
      kind,
      url: endpointUrl(this.opts.traderUrl, path),
      body,
      ids: {
        oid_partner: this.opts.oidPartner,
        no_order: order.no_order,
        dt_order: order.dt_order,
        oid_paybill: order.oid_paybill,
        money_order: body.money_order as string,
      },
    };
  }

  /**
   * Sends a signed request once and reads LianLian's answer. Throws `LLRECON_TIMEOUT`, `LLRECON_TRANSPORT`,
   * `LLRECON_HTTP_STATUS` (the answer is lost: the request may have taken effect), `LLRECON_UNPARSEABLE_ANSWER`,
   * `LLRECON_UNSIGNED_ANSWER`, `LLRECON_BAD_ANSWER_SIGNATURE`, `LLRECON_ANSWER_MISMATCH`.
   */
  async send(request: SignedAction): Promise<PreauthActionAnswer> {
    const raw = await postJson(this.http, request.url, request.body as Record<string, string>, this.opts.timeoutMs);
    return request.kind === 'capture'
      ? readPreauthCompleteAnswer(raw, this.opts.lianlianPublicKey, request.ids)
      : readPreauthCancelAnswer(raw, this.opts.lianlianPublicKey, request.ids);
  }

  /** Releases the keep-alive connections (only those of a client it made itself). */
  close(): void {
    if (this.ownsHttp) closeHttpClient(this.http);
  }
}
