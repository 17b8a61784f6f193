// LianLian's production endpoints (protocol notes §2), one home: the protocol modules re-export them, the settings
// default to them, the daemon falls back to them. The sandbox serves the same paths from the simulator.

/** The pre-authorization order query (seeds 000/001; one seed sample says `traderapi…`: a typo). */
export const PREAUTH_QUERY_URL = 'https://queryapi.lianlianpay.com/preauthquery.htm';

/** The exchange-payment Verify API (seed 002). */
export const VERIFY_API_URL = 'https://fe-pay.lianlianpay.com/exchange/v1/bankcardpayverify';

/** Base of the capture and void APIs (protocol §8): `preauthComplete.htm` and `preauthCancel.htm` under it. */
export const TRADER_API_URL = 'https://traderapi.lianlianpay.com/';

/** The capture (pre-authorization complete) API's path under {@link TRADER_API_URL}. */
export const PREAUTH_COMPLETE_PATH = 'preauthComplete.htm';

/** The void (pre-authorization cancel) API's path under {@link TRADER_API_URL}. */
export const PREAUTH_CANCEL_PATH = 'preauthCancel.htm';
