// The pre-auth query client: sign the request, POST it, and check LianLian's signed answer.
import { buildPreauthQueryRequest, readPreauthQueryAnswer, type PreauthQueryAnswer } from '../lianlian/preauth-query.js';
import { EndpointClient, type EndpointClientOptions } from './http.js';

/** Options of {@link PreauthQueryClient}. */
export interface PreauthQueryClientOptions extends EndpointClientOptions {
  platform?: string | null;
}

/** The order to ask about: `dt_order` and at least one of `no_order` / `oid_paybill` (both are sent when known). */
export interface PreauthQueryOrder {
  no_order: string;
  dt_order: string;
  oid_paybill?: string | null;
  pay_type?: 'F' | 'G';
  /** The order's own `platform`; the client's default when null or absent. */
  platform?: string | null;
}

/** A signed query request: the JSON body's fields. */
export type SignedPreauthQuery = Readonly<Record<string, string>>;

/**
 * Asks LianLian for one pre-authorization's state. One call is one HTTP request: nothing is retried here.
 * Throws `LlreconError`: `LLRECON_TIMEOUT`, `LLRECON_TRANSPORT`, `LLRECON_HTTP_STATUS`,
 * `LLRECON_UNPARSEABLE_ANSWER`, `LLRECON_UNSIGNED_ANSWER`, `LLRECON_BAD_ANSWER_SIGNATURE` (with `retCode`/`retMsg`
 * when the body carried them).
 */
export class PreauthQueryClient extends EndpointClient<PreauthQueryClientOptions> {
  /** Queries the order once and returns LianLian's verified answer (whatever its `ret_code`). */
  query(order: PreauthQueryOrder): Promise<PreauthQueryAnswer> {
    return this.send(this.sign(order));
  }

  /**
   * The signed request for the order, ready to {@link send}: signing first lets a caller hold a rate-cap slot
   * only for the send itself. (The request carries no timestamp: it may wait before it goes.)
   */
  sign(order: PreauthQueryOrder): SignedPreauthQuery {
    return buildPreauthQueryRequest(
      {
        oid_partner: this.opts.oidPartner,
        no_order: order.no_order,
        oid_paybill: order.oid_paybill,
        dt_order: order.dt_order,
        pay_type: order.pay_type ?? 'F',
        platform: order.platform ?? this.opts.platform,
      },
      this.opts.privateKey,
    );
  }

  /**
   * Sends a request made by {@link sign} and returns LianLian's verified answer. With `sendBy` (performance.now(),
   * a rate-cap slot's deadline) the request does not leave after it, and `LLRECON_SLOT_EXPIRED` is thrown instead.
   */
  async send(request: SignedPreauthQuery, opts: { sendBy?: number } = {}): Promise<PreauthQueryAnswer> {
    return readPreauthQueryAnswer(await this.post(request, opts.sendBy), this.opts.lianlianPublicKey);
  }
}
