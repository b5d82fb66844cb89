/**
 * Progress on stderr while a benchmark runs, kept apart from the report on stdout so that
 * `npm run bench > report.md` captures the tables only.
 */
import cliProgress from 'cli-progress';

/** Draws one progress bar and keeps report lines from tearing it. */
export interface ProgressDisplay {
  /** Show `done` of `total` with a label; starts the bar on first use. */
  update(done: number, total: number, label: string): void;
  /** Print a report line to stdout, clearing the bar first so the two do not interleave. */
  log(line: string): void;
  /** Remove the bar (at the end, or before an error message). */
  stop(): void;
}

/**
 * A progress display: a cli-progress bar when stderr is a terminal, nothing otherwise (CI logs
 * and pipes get the report only).
 *
 * @param stream - where the bar goes; @default process.stderr
 * @example
 * const p = createProgress();
 * p.update(3, 16, 'serial, round 2');
 * p.stop();
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  const tty = stream.isTTY === true;
  let bar: cliProgress.SingleBar | undefined;
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
  };
  return {
    update(done, total, label) {
      if (!tty) return;
      if (bar === undefined) {
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: '{bar} {value}/{total} {label} | {duration_formatted}',
            clearOnComplete: true,
            hideCursor: true,
            barsize: 30,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done, { label });
      } else {
        bar.setTotal(total);
        bar.update(done, { label });
      }
    },
    log(line) {
      stop();
      process.stdout.write(`${line}\n`);
    },
    stop,
  };
}
