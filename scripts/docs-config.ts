// npm run docs:config: writes the README's configuration table (between <!-- config:begin --> and
// <!-- config:end -->) from the settings table, src/config/settings.ts. With --check it writes nothing and exits 1
// when the README is out of date (test/config-readme.test.ts checks the same).
import { readFileSync, writeFileSync } from 'node:fs';
import { withConfigTable } from '../src/config/readme.js';

const file = new URL('../README.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = withConfigTable(before);
if (process.argv.includes('--check')) {
  if (after !== before) {
    process.stderr.write('README.md: the configuration table is out of date: run npm run docs:config\n');
    process.exit(1);
  }
} else if (after !== before) {
  writeFileSync(file, after);
  process.stdout.write('README.md: configuration table rewritten\n');
} else {
  process.stdout.write('README.md: configuration table up to date\n');
}
