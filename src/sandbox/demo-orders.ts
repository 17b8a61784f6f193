// The sandbox's demo: a handful of orders that move through their lives on the simulator while the daemon
// tracks them, so a first `npm start` shows something real on the dashboard.
import { formatLianLianTime } from '../lianlian/time.js';

export interface DemoOrder {
  no_order: string;
  dt_order: string;
  money_order: string;
}

/** `count` demo orders created `now`, with amounts that are valid two-decimal strings (no floats). */
export function demoOrders(count: number, now: number, random: () => number): DemoOrder[] {
  const stamp = formatLianLianTime(now);
  return Array.from({ length: count }, (_, i) => {
    const cents = 100 + Math.floor(random() * 99_900); // 1.00 … 999.99
    return {
      no_order: `DEMO${stamp}${String(i + 1).padStart(3, '0')}`,
      dt_order: stamp,
      money_order: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
    };
  });
}

/** The oid_paybill the sandbox gives a demo order (digits, as LianLian's). */
export function sandboxPaybill(noOrder: string): string {
  let h = 0;
  for (const c of noOrder) h = (h * 31 + c.charCodeAt(0)) % 1_000_000_007;
  return `2026${String(h).padStart(10, '0')}`;
}
