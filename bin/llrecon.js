#!/usr/bin/env node
// The `llrecon` command: the compiled CLI (`npm run build` writes dist/; `npm ci` builds it through `prepare`).
import '../dist/src/cli/main.js';
