#!/usr/bin/env node
/**
 * `npm run bench [-- <sub-command>] [--tiny] [--results-dir DIR] [options]`
 *
 * Loads each sub-benchmark module by name (so one missing or broken module is reported and the
 * others still run), runs it, prints its report, and writes results/<name>.json with the
 * machine's description.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, formatMachine } from './machine.js';
import { createProgress } from './progress.js';
import { displayPath, formatDuration, nonFiniteNumbers, writeFileAtomic } from './report.js';
import type { BenchContext, SubBenchmark } from './types.js';

/** Sub-commands in the order `all` runs them. */
const SUB_COMMANDS = ['scaling', 'overhead', 'svd', 'redis'] as const;
type SubCommand = (typeof SUB_COMMANDS)[number];

const DEFAULT_RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
const RESULTS_ENV = 'PPEVAL_BENCH_RESULTS_DIR';

class UsageError extends Error {}

interface Invocation {
  readonly command: SubCommand | 'all';
  /** Whether the command was named (for --help: the sub-command's help or the general one). */
  readonly named: boolean;
  readonly tiny: boolean;
  readonly help: boolean;
  readonly resultsDir: string | undefined;
  readonly rest: string[];
}

function parseInvocation(argv: readonly string[]): Invocation {
  let command: SubCommand | 'all' | undefined;
  let tiny = false;
  let help = false;
  let resultsDir: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--tiny') tiny = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--results-dir' || arg.startsWith('--results-dir=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (value === undefined || value === '' || value.startsWith('--')) {
        throw new UsageError(
          'Expected a folder after --results-dir, e.g. --results-dir /tmp/bench.',
        );
      }
      resultsDir = value;
    } else if (command === undefined && rest.length === 0 && !arg.startsWith('-')) {
      if (arg !== 'all' && !(SUB_COMMANDS as readonly string[]).includes(arg)) {
        throw new UsageError(
          `Unknown sub-command \`${arg}\`: expected one of ${[...SUB_COMMANDS, 'all'].join(', ')} (or none for scaling).`,
        );
      }
      command = arg as SubCommand | 'all';
    } else rest.push(arg);
  }
  return {
    command: command ?? 'scaling',
    named: command !== undefined,
    tiny,
    help,
    resultsDir,
    rest,
  };
}

type Loaded = { ok: true; bench: SubBenchmark } | { ok: false; reason: string };

async function loadSubBenchmark(name: SubCommand): Promise<Loaded> {
  const url = new URL(`./${name}.js`, import.meta.url);
  let mod: { default?: unknown };
  try {
    mod = (await import(url.href)) as { default?: unknown };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(fileURLToPath(url))) {
      return {
        ok: false,
        reason:
          `${displayPath(fileURLToPath(url))} is not built: benchmarks/src/${name}.ts ` +
          'is missing or failed to compile (run `npm run build -w ppeval-benchmarks`).',
      };
    }
    return { ok: false, reason: `loading it failed: ${e.stack ?? String(err)}` };
  }
  const b = mod.default as Partial<SubBenchmark> | undefined;
  if (
    b === undefined ||
    b === null ||
    typeof b.run !== 'function' ||
    b.name !== name ||
    typeof b.description !== 'string'
  ) {
    return {
      ok: false,
      reason:
        `its default export is not a SubBenchmark named '${name}' (expected { name: '${name}', ` +
        `description, run(ctx) }, got ${b === undefined ? 'no default export' : `name ${JSON.stringify(b?.name)}`}).`,
    };
  }
  return { ok: true, bench: b as SubBenchmark };
}

async function printHelp(command: SubCommand | 'all' | undefined): Promise<void> {
  const out = (s: string): void => void process.stdout.write(`${s}\n`);
  if (command !== undefined && command !== 'all') {
    const loaded = await loadSubBenchmark(command);
    if (!loaded.ok) {
      out(`${command}: unavailable: ${loaded.reason}`);
      return;
    }
    out(`npm run bench -- ${command} [--tiny] [--results-dir DIR] [options]\n`);
    out(loaded.bench.description);
    if (loaded.bench.usage !== undefined) out(`\nOptions:\n${loaded.bench.usage}`);
    return;
  }
  out('npm run bench [-- <sub-command>] [--tiny] [--results-dir DIR] [options]\n');
  out('Sub-commands (default: scaling):');
  for (const name of SUB_COMMANDS) {
    const loaded = await loadSubBenchmark(name);
    out(
      `  ${name.padEnd(10)} ${loaded.ok ? loaded.bench.description : `(unavailable: ${loaded.reason})`}`,
    );
  }
  out(`  ${'all'.padEnd(10)} every sub-command above in turn`);
  out('\nOptions for every sub-command:');
  out('  --tiny              a tiny size that only checks the benchmark still runs (CI); figures');
  out('                      are meaningless, results go to a temporary folder unless given one');
  out(
    `  --results-dir DIR   where to write <name>.json (default benchmarks/results, or $${RESULTS_ENV})`,
  );
  out('  --help, -h          this help; `npm run bench -- <sub-command> --help` for its options');
}

async function runOne(
  bench: SubBenchmark,
  args: readonly string[],
  tiny: boolean,
  resultsDir: string,
  signal: AbortSignal,
): Promise<void> {
  const progress = createProgress();
  const ctx: BenchContext = {
    tiny,
    args,
    resultsDir,
    signal,
    log: (line) => progress.log(line),
    progress: (done, total, label) => progress.update(done, total, label),
  };
  const machine = describeMachine();
  progress.log(`## ${bench.name}${tiny ? ' (tiny: figures meaningless)' : ''}`);
  progress.log(`${formatMachine(machine)}\n`);
  const started = performance.now();
  let results: Record<string, unknown>;
  try {
    results = await bench.run(ctx);
  } finally {
    progress.stop();
  }
  const durationMs = performance.now() - started;
  const file = path.join(resultsDir, `${bench.name}.json`);
  const record = {
    benchmark: bench.name,
    description: bench.description,
    tiny,
    args,
    machine,
    durationMs,
    results,
  };
  await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
  progress.log(`\nWrote ${displayPath(file)} (${formatDuration(durationMs)}).\n`);
  const bad = nonFiniteNumbers(results);
  if (bad.length > 0) {
    throw new Error(
      `${bench.name} returned non-finite numbers (written as null in ${file}) at: ${bad.slice(0, 10).join(', ')}` +
        `${bad.length > 10 ? ` and ${bad.length - 10} more` : ''}. Use null for a figure that was not measured.`,
    );
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let inv: Invocation;
  try {
    inv = parseInvocation(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\nRun \`npm run bench -- --help\` for usage.\n`);
    return 2;
  }
  if (inv.help) {
    await printHelp(inv.named ? inv.command : undefined);
    return 0;
  }
  if (inv.command === 'all' && inv.rest.length > 0) {
    process.stderr.write(
      `\`all\` takes only --tiny and --results-dir (each sub-command has its own options), got ${inv.rest.join(' ')}.\n` +
        'Run the sub-commands one by one to pass their options.\n',
    );
    return 2;
  }
  let resultsDir = inv.resultsDir ?? process.env[RESULTS_ENV];
  if (resultsDir === undefined || resultsDir === '') {
    // A tiny run's figures are meaningless: never let them overwrite real results.
    resultsDir = inv.tiny
      ? await mkdtemp(path.join(os.tmpdir(), 'ppeval-bench-tiny-'))
      : DEFAULT_RESULTS_DIR;
  }
  resultsDir = path.resolve(resultsDir);

  const names = inv.command === 'all' ? [...SUB_COMMANDS] : [inv.command];
  const failed: string[] = [];
  let usage = false;
  // First Ctrl-C: ask the running benchmark to stop and clean up (workers, temporary folders).
  // Second: leave at once.
  const interrupt = new AbortController();
  const onSigint = (): void => {
    if (interrupt.signal.aborted) process.exit(130);
    process.stderr.write(
      '\nInterrupted: stopping and cleaning up (Ctrl-C again to quit at once).\n',
    );
    interrupt.abort(new Error('interrupted by the user (SIGINT)'));
  };
  process.on('SIGINT', onSigint);
  for (const name of names) {
    if (interrupt.signal.aborted) break;
    const loaded = await loadSubBenchmark(name);
    if (!loaded.ok) {
      process.stderr.write(`${name}: unavailable: ${loaded.reason}\n`);
      failed.push(name);
      continue;
    }
    try {
      await runOne(loaded.bench, inv.rest, inv.tiny, resultsDir, interrupt.signal);
    } catch (err) {
      if (interrupt.signal.aborted) {
        process.stderr.write(`${name}: interrupted; no results written.\n`);
      } else if (err instanceof Error && err.name === 'BenchOptionError') {
        process.stderr.write(`${name}: ${err.message}\n`);
        usage = true;
      } else {
        process.stderr.write(`${name} failed: ${(err as Error)?.stack ?? String(err)}\n`);
      }
      failed.push(name);
    }
  }
  process.off('SIGINT', onSigint);
  if (names.length > 1 && !interrupt.signal.aborted) {
    process.stdout.write(
      `Summary: ${names.map((n) => `${n} ${failed.includes(n) ? 'FAILED' : 'ok'}`).join(', ')}; results in ${displayPath(resultsDir)}.\n`,
    );
  }
  if (interrupt.signal.aborted) return 130;
  if (failed.length > 0) {
    process.stderr.write(`\nFailed: ${failed.join(', ')}.\n`);
    return usage && failed.length === 1 ? 2 : 1;
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
// A sub-benchmark that leaks a handle (an open pool, a Redis connection) must not hang CI: say
// so and exit. unref() keeps this timer from being the thing that holds the process.
setTimeout(() => {
  process.stderr.write(
    'The benchmark finished but something (an open pool or connection) kept the process alive; exiting.\n',
  );
  process.exit(process.exitCode ?? 1);
}, 10_000).unref();
