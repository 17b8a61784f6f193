// Runs the extended benchmarks alone and prints their Markdown section:
//   node --import tsx bench/extended-cli.ts [--quick] [--only=ingest|latency|scale]
import { runExtended } from './extended.js';

const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const section = await runExtended({ quick: process.argv.includes('--quick'), ...(only ? { only } : {}) });
process.stdout.write(`${section}\n`);
