// THE timer race: a piece of work against a deadline. Every "wait at most N ms" in llrecon goes through here, so
// that each one clears its timer as soon as the work settles and no timer ever keeps the process alive.

/**
 * What `work` settles to, or, when `ms` pass first, what `onLate()` returns (or throws). The work is not
 * cancelled: it runs on, and what it settles to later is ignored.
 */
export async function withTimeout<T, L = T>(work: Promise<T>, ms: number, onLate: () => L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<L>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onLate());
      } catch (err) {
        reject(err);
      }
    }, ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
