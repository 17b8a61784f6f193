// Load generation on loopback: one POST, and an open loop that sends on a fixed schedule.
import { type Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** POSTs `body` and resolves with the status and the answer text. */
export function post(agent: Agent, url: URL, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends `count` requests on a fixed schedule of `rate` per second, whatever the answers' pace (an open loop:
 * a slow answer does not hold the next request back), and returns each one's latency measured from the time it
 * was DUE, so that a stalled generator or server shows in the figures instead of hiding (coordinated omission).
 */
export async function openLoop(
  rate: number,
  count: number,
  send: (i: number) => Promise<void>,
): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  const pending: Array<Promise<void>> = [];
  const start = performance.now();
  for (let i = 0; i < count;) {
    const due = Math.min(count, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    for (; i < due; i++) {
      const dueAt = start + (i * 1000) / rate;
      pending.push(send(i).then(() => void latencies.push(performance.now() - dueAt)));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  return { latencies, wallMs: performance.now() - start };
}
