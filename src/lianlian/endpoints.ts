// LianLian's production endpoints (protocol notes §2), one home: the protocol modules re-export them, the settings
// default to them, the daemon falls back to them. The sandbox serves the same paths from the simulator.

/** The pre-authorization order query (seeds 000/001; one seed sample says `traderapi…`: a typo). */
export const PREAUTH_QUERY_URL = 'https://queryapi.lianlianpay.com/preauthquery.htm';

/** The exchange-payment Verify API (seed 002). */
export const VERIFY_API_URL = 'https://fe-pay.lianlianpay.com/exchange/v1/bankcardpayverify';
