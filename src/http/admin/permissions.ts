// What each admin route needs, decided on the route the router matched (its pattern, after the path was decoded),
// never on the raw URL: `update%2Ddata` is the update-data route, and is refused as such. Pure.
//
// - reading (GET/HEAD) needs a viewer; changing needs an operator; logging out needs only a signed-in user;
// - the sessions page, even to read, needs an operator (it shows who is signed in, and from where);
// - bull-board: viewers inspect; operators may retry failed jobs and promote delayed ones; every other action of
//   its API (add, edit data, delay, priority, clean, empty, obliterate, remove, pause, resume, concurrency,
//   rate limits, schedulers …) is refused for everyone: an allow-list, so an action a new bull-board adds is refused too.
import type { UserRole } from '../../auth/users.js';

/** Where bull-board lives. */
export const JOB_BOARD_PATH = '/admin/queues';
const BOARD_API = `${JOB_BOARD_PATH}/api/queues`;

export type Requirement = { kind: 'public' } | { kind: 'role'; role: UserRole } | { kind: 'refused'; why: string };

/** Routes anyone may reach (the login form). */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['/admin/login']);

/** bull-board actions operators may take, as `METHOD pattern`. */
export const BOARD_OPERATOR_ACTIONS: ReadonlySet<string> = new Set([
  `PUT ${BOARD_API}/:queueName/retry/:queueStatus`,
  `PUT ${BOARD_API}/:queueName/:jobId/retry`,
  `PUT ${BOARD_API}/:queueName/promote`,
  `PUT ${BOARD_API}/:queueName/:jobId/promote`,
]);

const READ = new Set(['GET', 'HEAD']);
const OPERATOR_READS = new Set(['/admin/sessions']);
const SIGNED_IN_CHANGES = new Set(['/admin/logout']);

const EDIT_REFUSAL = 'editing job data is turned off: the dashboard shows masked data, and saving it would write the mask into the job';

/** What a request to the admin route `pattern` (as matched) with `method` needs. */
export function requirement(method: string, pattern: string): Requirement {
  const m = method.toUpperCase();
  if (PUBLIC_ROUTES.has(pattern)) return { kind: 'public' };
  if (READ.has(m)) return { kind: 'role', role: OPERATOR_READS.has(pattern) ? 'operator' : 'viewer' };
  if (pattern === JOB_BOARD_PATH || pattern.startsWith(`${JOB_BOARD_PATH}/`)) {
    if (BOARD_OPERATOR_ACTIONS.has(`${m} ${pattern}`)) return { kind: 'role', role: 'operator' };
    const action =
      pattern
        .split('/')
        .filter((seg) => seg !== '' && !seg.startsWith(':'))
        .pop() ?? pattern;
    return {
      kind: 'refused',
      why:
        action === 'update-data'
          ? EDIT_REFUSAL
          : `this dashboard action is turned off (${m} …/${action}): operators may retry failed jobs and promote delayed ones`,
    };
  }
  if (SIGNED_IN_CHANGES.has(pattern)) return { kind: 'role', role: 'viewer' };
  return { kind: 'role', role: 'operator' };
}
