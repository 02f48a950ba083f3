/**
 * One line per phase. On a terminal the line is rewritten in place as the phase advances; in
 * CI (no TTY) each phase prints when it starts and ends, with at most one progress line every
 * few seconds, so logs stay readable.
 */
export interface Progress {
  /** Starts a phase; the previous one must have ended. */
  start(phase: string): void;
  /** What the current phase is doing now, e.g. `1200/2000 requests`. */
  update(detail: string): void;
  /** Ends the current phase with a one-line summary. */
  end(summary: string): void;
  /** A line of its own, outside any phase (warnings, notes). */
  note(line: string): void;
}

const PLAIN_UPDATE_INTERVAL_MS = 5_000;

export const createProgress = (stream: NodeJS.WriteStream = process.stdout): Progress => {
  const tty = stream.isTTY === true;
  let phase = '';
  let phaseStarted = 0;
  let lastPlainUpdate = 0;

  const elapsed = () => `${((performance.now() - phaseStarted) / 1000).toFixed(1)}s`;
  const rewrite = (text: string) => {
    // Cut to the terminal width so a long line never wraps and leaves debris behind.
    // A pseudo-terminal without a size reports 0 columns.
    const width = stream.columns || 120;
    stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
  };

  return {
    start(name) {
      phase = name;
      phaseStarted = performance.now();
      lastPlainUpdate = phaseStarted;
      if (tty) rewrite(`▸ ${phase} …`);
      else stream.write(`▸ ${phase}\n`);
    },
    update(detail) {
      if (tty) {
        rewrite(`▸ ${phase} [${elapsed()}] ${detail}`);
        return;
      }
      const now = performance.now();
      if (now - lastPlainUpdate < PLAIN_UPDATE_INTERVAL_MS) return;
      lastPlainUpdate = now;
      stream.write(`  ${phase} [${elapsed()}] ${detail}\n`);
    },
    end(summary) {
      const line = `✓ ${phase} [${elapsed()}] ${summary}`;
      if (tty) rewrite(line);
      stream.write(tty ? '\n' : `${line}\n`);
      phase = '';
    },
    note(line) {
      if (tty && phase) rewrite(line);
      stream.write(tty && phase ? '\n' : `${line}\n`);
    },
  };
};
