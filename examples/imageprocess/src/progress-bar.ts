/**
 * The command's progress bar (on a terminal only): done/total, the time so far and the time left
 * that ppeval estimates from the measured rate.
 */
import cliProgress from 'cli-progress';
import type { ProgressInfo } from 'ppeval';

/** A progress bar's handle: `update` takes what ppeval's `onProgress` receives. */
export interface ProgressBar {
  update(done: number, total?: number, info?: ProgressInfo): void;
  stop(): void;
}

/**
 * The time left as the bar shows it: `eta 1m05s`, `eta ?` while ppeval cannot estimate yet (no
 * element done, or a lazy input of unknown length), empty without an estimate to show.
 *
 * @example
 * ```ts
 * timeLeft({ elapsedMs: 2000, etaMs: 65_000, totalKnown: true }); // 'eta 1m05s'
 * ```
 */
export function timeLeft(info: ProgressInfo | undefined): string {
  if (info === undefined) return '';
  if (info.etaMs === undefined) return 'eta ?';
  return `eta ${duration(info.etaMs)}`;
}

/** `850ms` → `1s`, `65s` → `1m05s`, `3725s` → `1h02m`: rounded up, so 0 only at the end. */
export function duration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A bar on stderr when it is a terminal; otherwise a bar that draws nothing. */
export function progressBar(total: number, label: string): ProgressBar {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {value}/{total} {percentage}% | {duration_formatted} {left}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let shown = total;
  bar.start(total, 0, { left: '' });
  return {
    update: (done, newTotal, info) => {
      // A lazy input's total grows as it is read.
      if (newTotal !== undefined && newTotal !== shown) bar.setTotal((shown = newTotal));
      bar.update(done, { left: timeLeft(info) });
    },
    stop: () => bar.stop(),
  };
}
