// The admin pages' stylesheet: one small CSS string, inlined in every page and allowed by its hash in the
// Content-Security-Policy (no other style, script or asset is loaded by these pages).
import { createHash } from 'node:crypto';

export const STYLE = `
:root{--bg:#f5f6f8;--card:#fff;--ink:#1d2430;--muted:#667085;--line:#e4e7ec;--brand:#1f3a5f;--accent:#2563eb;
--ok:#067647;--ok-bg:#dcfae6;--bad:#b42318;--bad-bg:#fee4e2;--warn:#b54708;--warn-bg:#fef0c7;--info:#175cd3;
--info-bg:#d1e9ff;--grey:#475467;--grey-bg:#f2f4f7;--teal:#0e7090;--teal-bg:#cff9fe}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
"PingFang SC","Microsoft YaHei",sans-serif}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
header.top{background:var(--brand);color:#fff;display:flex;align-items:center;gap:28px;padding:0 28px;height:52px}
header.top .brand{font-weight:700;letter-spacing:.2px;font-size:16px}
header.top .brand small{font-weight:400;opacity:.7;margin-left:6px}
header.top nav{display:flex;gap:4px;flex:1}
header.top nav a{color:#dbe4f0;padding:6px 12px;border-radius:6px}
header.top nav a:hover{background:rgba(255,255,255,.1);text-decoration:none}
header.top nav a.on{background:rgba(255,255,255,.18);color:#fff}
header.top form{margin:0}
header.top .who{color:#dbe4f0;font-size:13px}header.top .who small{opacity:.7;margin-left:4px}
header.top .lang{margin-left:auto;display:flex;gap:8px;font-size:13px;color:#fff}header.top .lang a{color:#dbe4f0}
header.top button{background:transparent;border:1px solid rgba(255,255,255,.35);color:#fff;padding:5px 12px;
border-radius:6px;cursor:pointer;font:inherit}
main{max-width:1240px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:22px;margin:0 0 4px}h1 .mono{font-size:inherit}h2{font-size:16px;margin:0 0 12px}
.sub{color:var(--muted);margin:0 0 20px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin-bottom:18px}
.card.narrow{max-width:640px}
.callout{border-radius:10px;padding:14px 18px;margin-bottom:18px;display:flex;gap:16px;align-items:center}
.callout.warn{background:var(--warn-bg);color:#7a2e0e;border:1px solid #fedf89}
.callout.ok{background:var(--ok-bg);color:#054f31;border:1px solid #abefc6}
.callout.bad{background:var(--bad-bg);color:#7a271a;border:1px solid #fecdca}
.callout .grow{flex:1}
.chips{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:16px}
.chip{display:inline-flex;align-items:center;gap:8px;padding:5px 12px;border-radius:999px;border:1px solid var(--line);
background:var(--card);color:var(--ink)}
.chip b{font-variant-numeric:tabular-nums;color:var(--muted);font-weight:600}
.chip.on{border-color:var(--accent);box-shadow:0 0 0 1px var(--accent) inset}
.chip.on b{color:var(--accent)}
.chip:hover{text-decoration:none;border-color:#98a2b3}
form.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:end;margin:0}
label{display:block;font-size:12px;color:var(--muted);margin-bottom:4px;font-weight:600}
input,select,textarea{font:inherit;border:1px solid #d0d5dd;border-radius:7px;padding:7px 10px;background:#fff;color:var(--ink)}
input:focus,select:focus,textarea:focus{outline:2px solid #84adff;outline-offset:0;border-color:#84adff}
button.primary,a.button{background:var(--accent);color:#fff;border:0;border-radius:7px;padding:8px 16px;font:inherit;
font-weight:600;cursor:pointer;display:inline-block}
a.button{padding:6px 12px}
button.ghost{background:#fff;color:var(--ink);border:1px solid #d0d5dd;border-radius:7px;padding:7px 14px;font:inherit;cursor:pointer}
table{width:100%;border-collapse:collapse}
th{text-align:left;font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.4px;
padding:8px 10px;border-bottom:1px solid var(--line);white-space:nowrap}
td{padding:9px 10px;border-bottom:1px solid var(--line);vertical-align:top}
tr:last-child td{border-bottom:0}
tbody tr:hover td{background:#f9fafb}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:var(--muted)}.small{font-size:12px}.nowrap{white-space:nowrap}
.badge{display:inline-block;padding:2px 9px;border-radius:999px;font-size:12px;font-weight:600;white-space:nowrap;
background:var(--grey-bg);color:var(--grey)}
.s-authorized{background:var(--teal-bg);color:var(--teal)}
.s-captured,.s-voided,.v-accepted{background:var(--ok-bg);color:var(--ok)}
.s-auth_failed,.s-capture_failed,.s-void_failed,.v-rejected{background:var(--bad-bg);color:var(--bad)}
.s-abandoned,.v-untracked{background:var(--warn-bg);color:var(--warn)}
.s-created,.s-verifying,.s-authorizing,.s-capturing,.s-voiding{background:var(--info-bg);color:var(--info)}
.k-change{background:#ebe9fe;color:#5925dc}.k-action{background:var(--warn-bg);color:var(--warn)}
.k-query{background:var(--grey-bg);color:var(--grey)}.k-callback{background:var(--info-bg);color:var(--info)}
.k-tracked{background:var(--teal-bg);color:var(--teal)}
.pager{display:flex;justify-content:space-between;align-items:center;margin-top:14px;color:var(--muted)}
.pager a,.pager span.off{margin-left:8px}.pager span.off{color:#c0c5cd}
.grid{display:grid;grid-template-columns:minmax(0,1fr) 400px;gap:18px;align-items:start}
dl.record{display:grid;grid-template-columns:120px minmax(0,1fr);gap:6px 14px;margin:0}
dl.record dt{color:var(--muted);font-size:13px}dl.record dd{margin:0;overflow-wrap:anywhere}
.field{margin-bottom:12px}.field input,.field textarea{width:100%}
.error{color:var(--bad);font-size:13px;margin-top:4px}
.empty{padding:28px;text-align:center;color:var(--muted)}
details summary{cursor:pointer;color:var(--accent)}
details code{display:block;white-space:pre-wrap;overflow-wrap:anywhere;background:var(--grey-bg);padding:8px;
border-radius:6px;margin-top:6px}
.login{max-width:380px;margin:12vh auto 0}
.login h1{margin-bottom:14px}
.crumbs{color:var(--muted);margin-bottom:6px}
@media (max-width:900px){.grid{grid-template-columns:1fr}header.top{gap:12px;padding:0 14px}main{padding:16px}}
`;

/** The CSP source allowing exactly this stylesheet. */
export const STYLE_CSP_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;
