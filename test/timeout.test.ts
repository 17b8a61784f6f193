// The one timer race (src/timeout.ts): the work's result when it settles first, the fallback when the deadline
// comes first, and a timer that never outlives the race.
import { describe, expect, it } from 'vitest';
import { withTimeout } from '../src/timeout.js';

const after = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

describe('withTimeout', () => {
  it("gives the work's value when the work settles first, and never calls the fallback", async () => {
    let lateCalls = 0;
    const result = await withTimeout(after(5, 'done'), 200, () => {
      lateCalls += 1;
      return 'late';
    });
    expect(result).toBe('done');
    await after(300, null);
    expect(lateCalls).toBe(0);
  });

  it("gives the fallback's value when the deadline comes first", async () => {
    expect(await withTimeout(new Promise<string>(() => undefined), 10, () => 'late')).toBe('late');
    expect(await withTimeout(after(500, false), 10, () => true)).toBe(true);
  });

  it('throws what the fallback throws', async () => {
    const error = new Error('too slow');
    await expect(
      withTimeout(new Promise<string>(() => undefined), 10, () => {
        throw error;
      }),
    ).rejects.toBe(error);
  });

  it("passes the work's own rejection through", async () => {
    const error = new Error('work failed');
    await expect(withTimeout(Promise.reject(error), 200, () => 'late')).rejects.toBe(error);
  });
});
