// The environment llrecon's daemon is meant to run with: set by the Dockerfile (a test checks it matches) and
// `npm start`, and used by the benchmarks so that they measure what is deployed. Both only trade a little CPU for
// memory that a long-running daemon would otherwise hold without using:
//   MALLOC_ARENA_MAX=2           glibc makes one malloc arena per thread that allocates (libuv's pool, V8's
//                                helpers), each keeping freed memory; two arenas measured 5–10 MB less RSS.
//   --max-semi-space-size=8      V8's young generation grows to 2 × 16 MB by default on 64-bit; 8 MB semi-spaces
//                                measured ~30 MB less peak RSS with 100,000 orders tracked, for more frequent
//                                (and individually shorter) scavenges.
// (The figures: bench/RESULTS.md, section 4, and README "Performance".)

/** Environment variables for the daemon's process (NODE_OPTIONS must be merged with any already set). */
export const DAEMON_ENV = {
  MALLOC_ARENA_MAX: '2',
  NODE_OPTIONS: '--max-semi-space-size=8',
} as const;

/** `env` with DAEMON_ENV applied: NODE_OPTIONS appended to what `env` has, the rest set. */
export function withDaemonEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const nodeOptions = [env.NODE_OPTIONS, DAEMON_ENV.NODE_OPTIONS].filter(Boolean).join(' ');
  return { ...env, MALLOC_ARENA_MAX: DAEMON_ENV.MALLOC_ARENA_MAX, NODE_OPTIONS: nodeOptions };
}
