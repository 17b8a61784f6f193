// Runs the extended benchmarks alone and prints their Markdown section:
//   node --import tsx bench/extended-cli.ts [--quick]
import { runExtended } from './extended.js';

const section = await runExtended({ quick: process.argv.includes('--quick') });
process.stdout.write(`${section}\n`);
