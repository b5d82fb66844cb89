/**
 * The Node flags and heap limits each worker starts with. Child processes take every flag a
 * program takes. Worker threads refuse V8 options (`--max-old-space-size`, `--stack-size`,
 * `--expose-gc`) and per-process ones (`--title`): Node throws ERR_WORKER_INVALID_EXEC_ARGV
 * from the `Worker` constructor, so a caller started as `node --max-old-space-size=4096 app.js`
 * could not start a single thread. Here the heap and stack flags become `resourceLimits`, and of
 * the other inherited flags a thread gets those Node accepts for one.
 *
 * @module
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';

import { PpevalArgumentError } from '../errors.js';

/** Flags and limits for the workers of one pool. */
export interface WorkerFlags {
  readonly execArgv: string[];
  readonly resourceLimits: ResourceLimits | undefined;
}

/**
 * A worker thread's stack when `resourceLimits.stackSizeMb` is not set (Node's documented
 * default): V8 flags never make a thread's stack smaller than that.
 */
const DEFAULT_THREAD_STACK_MB = 4;

/**
 * What Node keeps of a worker thread's stack for itself: JavaScript gets `stackSizeMb` minus
 * this (node_worker.cc's kStackBufferSize). `--stack-size` counts only the JavaScript part.
 */
const THREAD_STACK_RESERVE_KB = 192;

/**
 * The flags and limits of a pool's workers.
 *
 * - `execArgv` given: used as given (a flag Node refuses is the caller's to fix, and is
 *   reported), except that on threads the heap and stack flags among them become limits.
 * - Otherwise the caller's `process.execArgv`, minus the flags of an inline program
 *   (`--eval`, `--print`, `--input-type`), which would stop a worker from starting. On threads,
 *   its heap and stack flags become limits and of the others only those a thread accepts stay.
 *
 * Limits from flags: `--stack-size` (KB of JavaScript stack) gives `stackSizeMb`, never less
 * than a thread's default; a `stackSizeMb` in `resourceLimits` wins. `--max-old-space-size` is
 * `maxOldGenerationSizeMb` and `--max-semi-space-size` gives `maxYoungGenerationSizeMb` (V8's
 * young generation is three semi-spaces), but V8 applies the caller's own heap flags (command
 * line or NODE_OPTIONS) to every thread of the process, over any `resourceLimits`: a different
 * heap limit for threads is refused with {@link PpevalArgumentError}, rather than ignored.
 */
export function workerFlags(
  runtime: 'threads' | 'processes',
  execArgv: readonly string[] | undefined,
  resourceLimits: ResourceLimits | undefined,
  callerArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env['NODE_OPTIONS'] ?? '',
): WorkerFlags {
  const explicit = execArgv !== undefined;
  const groups = flagGroups(explicit ? execArgv : withoutInlineProgram(callerArgv));
  if (runtime === 'processes') return { execArgv: groups.flat(), resourceLimits };
  const limits: Record<string, number> = {};
  const kept: string[][] = [];
  for (const group of groups) {
    if (!toLimit(group, limits)) kept.push(group);
  }
  const flags = explicit ? kept.flat() : acceptedByThreads(kept);
  const merged: Record<string, number> = { ...limits, ...resourceLimits };
  // The command line comes after NODE_OPTIONS, and wins.
  const processWide: Record<string, number> = {};
  for (const group of flagGroups([...nodeOptions.split(/\s+/).filter(Boolean), ...callerArgv])) {
    toLimit(group, processWide);
  }
  for (const [key, flag] of HEAP_FLAGS) {
    const fixed = processWide[key];
    if (fixed === undefined) continue;
    const wanted = merged[key];
    if (wanted !== undefined && wanted !== fixed) throw heapConflict(key, flag, wanted, fixed);
    merged[key] = fixed;
  }
  return {
    execArgv: flags,
    resourceLimits: Object.keys(merged).length > 0 ? merged : undefined,
  };
}

/** Node options that a worker may not inherit: those that only make sense for an inline program. */
function withoutInlineProgram(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^(--input-type|--eval|-e|--print|-p)(=|$)/.exec(arg);
    if (match) {
      // The separate-value forms take the next argument with them.
      if (match[2] === '') i += 1;
      continue;
    }
    out.push(arg);
  }
  return out;
}

/**
 * Splits flags into a flag and its separate values (`['--require', 'x']`): a word that does not
 * start with `-` can only be the value of the flag before it (the first other word of a Node
 * command line is the script, which `execArgv` never holds).
 */
function flagGroups(argv: readonly string[]): string[][] {
  const groups: string[][] = [];
  for (const arg of argv) {
    const last = groups.at(-1);
    if (last !== undefined && !arg.startsWith('-')) last.push(arg);
    else groups.push([arg]);
  }
  return groups;
}

/** Records a heap or stack flag as a resource limit; false for any other flag. */
function toLimit(group: readonly string[], limits: Record<string, number>): boolean {
  const [flag, ...rest] = group;
  const match = /^--([a-z_-]+)(?:=(.*))?$/.exec(flag!);
  if (!match) return false;
  // V8 spells its flags with `-` or `_` alike.
  const name = match[1]!.replaceAll('_', '-');
  const value = Number(match[2] ?? rest[0]);
  if (!(Number.isFinite(value) && value > 0)) return false;
  if (name === 'max-old-space-size') {
    limits['maxOldGenerationSizeMb'] = value;
  } else if (name === 'max-semi-space-size') {
    limits['maxYoungGenerationSizeMb'] = 3 * value;
  } else if (name === 'stack-size') {
    limits['stackSizeMb'] = Math.max(
      DEFAULT_THREAD_STACK_MB,
      (value + THREAD_STACK_RESERVE_KB) / 1024,
    );
  } else {
    return false;
  }
  return true;
}

/** The heap limits that V8's flags set for the whole process, and the flag of each. */
const HEAP_FLAGS = [
  ['maxOldGenerationSizeMb', '--max-old-space-size'],
  ['maxYoungGenerationSizeMb', '--max-semi-space-size'],
] as const;

function heapConflict(key: string, flag: string, wanted: number, fixed: number): Error {
  const asFlag = (mb: number): string =>
    `${flag}=${key === 'maxYoungGenerationSizeMb' ? mb / 3 : mb}`;
  return new PpevalArgumentError(
    `Expected no \`resourceLimits.${key}\` other than ${fixed} for worker threads, got ` +
      `${wanted} (from \`resourceLimits\` or \`execArgv\`): this program runs with ` +
      `${asFlag(fixed)}, which V8 applies to every thread of the process, over any ` +
      `resourceLimits. Leave the limit out, start the program without that flag (NODE_OPTIONS ` +
      `included), or use runtime: 'processes' with execArgv: ['${asFlag(wanted)}'].`,
  );
}

/** Whether a thread accepts a flag group, asked of Node once per process and group. */
const accepted = new Map<string, boolean>();

/** The flags, of `groups`, that Node accepts for a worker thread. */
function acceptedByThreads(groups: readonly string[][]): string[] {
  if (groups.length === 0) return [];
  const all = groups.flat();
  if (threadAccepts(all) || !threadAccepts([])) return all;
  return groups.filter((group) => threadAccepts(group)).flat();
}

/**
 * Asks Node whether a worker thread accepts `flags`, without starting one: the `Worker`
 * constructor checks its execArgv (throwing ERR_WORKER_INVALID_EXEC_ARGV) before it sends the
 * thread its start message, and a `workerData` that cannot be cloned makes that send throw
 * before the thread starts. So no thread runs, and no preloaded module (`--require`) either.
 */
function threadAccepts(flags: readonly string[]): boolean {
  const key = JSON.stringify(flags);
  let answer = accepted.get(key);
  if (answer !== undefined) return answer;
  try {
    // Should a Node version start the thread anyway, it runs nothing and is ended at once.
    const worker = new Worker('', { eval: true, execArgv: [...flags], workerData: uncloneable });
    worker.unref();
    void worker.terminate();
    answer = true;
  } catch (error) {
    // Anything but Node's refusal of the flags (the expected DataCloneError) accepts them:
    // the pool then starts its workers with them and reports what goes wrong.
    answer = (error as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV';
  }
  accepted.set(key, answer);
  return answer;
}

/** A value that structured clone refuses (see {@link threadAccepts}). */
function uncloneable(): void {}
