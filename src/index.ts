// The library surface of llrecon, for programs that embed it (`import { createEngine } from 'lianlian-reconciler'`).
export { loadConfig, type Config } from './config.js';
export { createEngine, type EngineOptions, type RunningEngine } from './engine.js';
export type { ActionMeta, CallbackRecord, Engine, TrackResult } from './engine-types.js';
export { ERRORS, LlreconError, isLlreconError, type ErrorCode } from './errors.js';
export { createLogger, type Logger } from './log.js';

// the LianLian protocol, pure
export { generateKeyPair, importPrivateKey, importPublicKey, publicKeyOf, type PrivateKey, type PublicKey } from './lianlian/keys.js';
export { buildSignString } from './lianlian/sign-string.js';
export { signFields, signString, verifyBody, verifyFields, verifyString, type VerifyResult } from './lianlian/signature.js';
export { PREAUTH_QUERY_URL, buildPreauthQueryRequest, readPreauthQueryAnswer, type PreauthQueryAnswer } from './lianlian/preauth-query.js';
export { VERIFY_API_URL, buildVerifyRequest, readVerifyAnswer } from './lianlian/verify-api.js';
export {
  NOTIFY_ACK,
  buildWebPaymentForm,
  readAsyncNotification,
  readReturnNotification,
  renderWebPaymentHtml,
  type Notification,
} from './lianlian/web-payment.js';
export { formatLianLianTime, parseLianLianTime } from './lianlian/time.js';

// clients and the simulator
export { PreauthQueryClient } from './clients/preauth-query-client.js';
export { VerifyClient } from './clients/verify-client.js';
export { LianLianSimulator } from './sandbox/simulator.js';

// policy
export { classifyRetCode, RET_CODES } from './reconcile/return-codes.js';
export { ORDER_STATES, FINAL_STATES, eventTypeFor, type OrderState } from './reconcile/states.js';

// reliable event consumers (consumer groups, at least once)
export { consumeEvents, ensureGroup, type ConsumeEventsOptions, type ConsumedEvent } from './events/consume.js';
