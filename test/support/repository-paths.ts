// Where the repository is, and which paths outside it a test process may still touch: the OS temp directory
// (tests make their data directories there), the system's own files (/usr: binaries such as redis-server and
// chromium; /etc: read by libraries, e.g. Playwright's /etc/os-release; /dev, /proc, /sys: the kernel's views),
// and Playwright's browser cache, where it keeps a lock while it drives chromium. Shared by the runtime guard
// (fs-guard.ts) and the static scan (test/repository-boundary.test.ts).
import { realpathSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory (no trailing separator). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function realOrSame(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

const PLAYWRIGHT_CACHE = resolve(process.env.PLAYWRIGHT_BROWSERS_PATH ?? join(homedir(), '.cache', 'ms-playwright'));

/** Directories (and everything under them) a test may touch. */
export const ALLOWED_ROOTS: readonly string[] = [
  ...new Set([
    ...[REPO_ROOT, tmpdir(), PLAYWRIGHT_CACHE].flatMap((dir) => [resolve(dir), realOrSame(dir)]),
    ...['/usr', '/etc', '/dev', '/proc', '/sys'],
  ]),
];

/** Whether `path` (absolute) is under `dir` or is `dir`. */
export function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
}

/** Whether an absolute path is outside everything a test may touch. */
export function outsideRepository(path: string): boolean {
  return !ALLOWED_ROOTS.some((dir) => isWithin(path, dir));
}
