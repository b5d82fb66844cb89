/**
 * The contract between `npm run bench` (src/cli.ts) and each sub-benchmark module
 * (scaling.ts, overhead.ts, svd.ts, redis.ts). Each module's default export is a
 * {@link SubBenchmark}; the CLI picks one by name, runs it, and writes what `run` returns to
 * results/<name>.json together with the machine's description.
 */

/** What the CLI gives a sub-benchmark. */
export interface BenchContext {
  /**
   * Run at a tiny size (CI smoke run and `npm test`): a few seconds at most, same code paths,
   * figures meaningless. A sub-benchmark must still compute and print every column.
   */
  readonly tiny: boolean;
  /** The command-line arguments after the sub-command's name, for the module's own options. */
  readonly args: readonly string[];
  /** Print a line of the report to stdout (tables, ratios, notes). */
  log(line: string): void;
  /** Report progress on stderr while it runs (the CLI draws it; a no-op when not a TTY). */
  progress(done: number, total: number, label: string): void;
  /**
   * The folder the CLI writes results/<name>.json into, for a sub-benchmark that writes more
   * files (a chart). Undefined when the caller writes no files (a test calling `run` directly).
   */
  readonly resultsDir?: string;
  /**
   * Aborted when the user interrupts the run (Ctrl-C): stop at the next convenient point, release
   * workers and temporary files, and reject. Undefined when nobody can interrupt.
   */
  readonly signal?: AbortSignal;
}

/** One sub-benchmark of `npm run bench`. */
export interface SubBenchmark {
  /** The sub-command: `npm run bench -- <name>`. */
  readonly name: string;
  /** One line for `npm run bench -- --help`. */
  readonly description: string;
  /**
   * The module's own options, one per line (`--rank R   rank of the SVD (default 50)`), shown by
   * `npm run bench -- <name> --help`. Optional: without it the help shows the description only.
   */
  readonly usage?: string;
  /**
   * Run it, print the report through ctx.log, and return the figures as JSON-serialisable data
   * (they go to results/<name>.json; the CLI adds machine, Node version and date). Use null, not
   * NaN, for a figure that was not measured. Reject with a `BenchOptionError` (errors.ts) for a
   * bad option or input: the CLI prints its message without a stack and exits with code 2.
   */
  run(ctx: BenchContext): Promise<Record<string, unknown>>;
}
