#!/usr/bin/env node
// The `llrecon` command: the compiled CLI (`npm run build` writes dist/; `npm ci` builds it through `prepare`).
// It may be run from anywhere (a link made by `npm link`, or `node /path/to/clone/bin/llrecon.js`): only the data
// directory is relative to the working directory (DATA_DIR, default ./.data).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(`llrecon is not built yet: run \`npm run build\` in ${fileURLToPath(new URL('..', import.meta.url))}\n`);
  process.exit(2);
}
await import(main.href);
