// A one-line progress display for bulk CLI commands, on stderr (stdout stays for results): on a terminal the line
// is rewritten in place (`\r`); otherwise (logs, CI) a line is printed at every 10 %.

/** The progress of one bulk operation. */
export interface Progress {
  /** `n` more items done (default 1). */
  tick(n?: number): void;
  /** Finishes the display (the last update, and a newline on a terminal). */
  done(): void;
}

/** What progress writes to: stderr by default. */
export interface ProgressStream {
  isTTY?: boolean;
  write(chunk: string): unknown;
}

/** Terminal redraws at most this often (the last one is always drawn by done()). */
const REDRAW_MS = 100;

/** Starts showing the progress of `total` items, labelled `label` (nothing is shown for 0 items). */
export function progress(total: number, label: string, stream: ProgressStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  let count = 0;
  let shown = 0; // the count last written
  let shownAt = 0;
  let finished = false;
  const tenth = (n: number) => Math.floor((n * 10) / total);
  const show = () => {
    shown = count;
    shownAt = Date.now();
    const line = `${label}: ${count}/${total} (${Math.floor((count * 100) / total)}%)`;
    stream.write(tty ? `\r${line}` : `${line}\n`);
  };
  if (tty && total > 0) show();
  return {
    tick(n = 1) {
      if (finished || total === 0) return;
      count = Math.min(total, count + n);
      const due = tty ? count === total || Date.now() - shownAt >= REDRAW_MS : tenth(count) > tenth(shown);
      if (due && count !== shown) show();
    },
    done() {
      if (finished || total === 0) return;
      finished = true;
      if (count !== shown) show();
      if (tty) stream.write('\n');
    },
  };
}
