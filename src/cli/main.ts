// The `llrecon` program (bin/llrecon.js runs the compiled copy of this file): registers every command and turns
// failures into exit codes: 0 done, 2 usage, input or configuration error, 1 anything else (a command may set
// its own code, e.g. verify-notify's verdict).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { isLlreconError } from '../errors.js';
import { scrubText } from '../log.js';
import { register as registerCapture } from './commands/capture.js';
import { register as registerEnqueue } from './commands/enqueue.js';
import { register as registerEvents } from './commands/events.js';
import { register as registerExport } from './commands/export.js';
import { register as registerKeygen } from './commands/keygen.js';
import { register as registerRequery } from './commands/requery.js';
import { register as registerSandbox } from './commands/sandbox.js';
import { register as registerSettle } from './commands/settle.js';
import { register as registerStart } from './commands/start.js';
import { register as registerStatus } from './commands/status.js';
import { register as registerUntrack } from './commands/untrack.js';
import { register as registerVerifyNotify } from './commands/verify-notify.js';
import { register as registerVoid } from './commands/void.js';

const PACKAGE_NAME = 'lianlian-reconciler';

/** The version in package.json, found upwards from this file (src/cli/ when run from source, dist/src/cli/ built). */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === PACKAGE_NAME && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

function buildProgram(): Command {
  const program = new Command('llrecon')
    .description('reconciles LianLian Pay pre-authorization orders by signed query, with exactly-once events on a Redis Stream')
    .addHelpText(
      'after',
      '\nSettings come from environment variables (or a .env file in the working directory): see the README.\n' +
        'With nothing set, `llrecon start` runs in sandbox mode against a simulated LianLian.\n' +
        'Exit codes: 0 done, 1 failed, 2 usage, input or configuration error.',
    )
    .version(packageVersion())
    .showSuggestionAfterError()
    .showHelpAfterError()
    .exitOverride(); // settings above are inherited by the commands registered below
  for (const register of [
    registerStart,
    registerEnqueue,
    registerRequery,
    registerUntrack,
    registerStatus,
    registerEvents,
    registerExport,
    registerKeygen,
    registerVerifyNotify,
    registerSandbox,
    registerSettle,
    registerCapture,
    registerVoid,
  ])
    register(program);
  return program;
}

/** Prints a failure to stderr and returns the exit code. */
function report(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // commander printed the message and help
  if (isLlreconError(err)) {
    for (const line of err.message.split('\n')) process.stderr.write(`error ${err.code}: ${line}\n`);
    return err.kind === 'input' || err.kind === 'config' ? 2 : 1;
  }
  process.stderr.write(`error: ${scrubText(err instanceof Error ? err.message : String(err))}\n`);
  return 1;
}

/**
 * Refuses an unknown command given with `--help` before commander sees it: `llrecon bogus --help` would print the root help and
 * exit 0, and a script calling a misspelt command would think it ran.
 */
function refuseUnknownCommand(program: Command, args: readonly string[]): void {
  const name = args.find((a) => !a.startsWith('-'));
  // without --help, commander refuses it itself (exit 2 below) and suggests the nearest command
  if (!args.some((a) => a === '--help' || a === '-h')) return;
  if (name === undefined || name === 'help' || program.commands.some((c) => c.name() === name || c.aliases().includes(name))) return;
  program.error(`error: unknown command '${name}'`, { exitCode: 2, code: 'commander.unknownCommand' });
}

try {
  const program = buildProgram();
  refuseUnknownCommand(program, process.argv.slice(2));
  await program.parseAsync(process.argv);
} catch (err) {
  process.exit(report(err));
}
