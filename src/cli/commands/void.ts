// llrecon void: see capture.ts (one implementation for both, through the daemon's HTTP API).
export { registerVoid as register } from './capture.js';
