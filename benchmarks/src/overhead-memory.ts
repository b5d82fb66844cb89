/**
 * The overhead benchmark's memory case: the peak resident memory of `ppeval.stream` over many
 * trivial elements read lazily from a generator, against the same elements in an array. Each
 * variant runs in a fresh child process (overhead-memory-child.ts), one after the other.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CHILD = fileURLToPath(new URL('./overhead-memory-child.js', import.meta.url));
const run = promisify(execFile);

/** One child's answer. */
export interface MemoryRun {
  readonly kind: 'lazy' | 'array';
  readonly elements: number;
  readonly peakRssBytes: number;
  readonly wallMs: number;
}

/** Runs one variant in a fresh process and returns what it measured. */
export async function measureMemory(
  kind: 'lazy' | 'array',
  elements: number,
  workers: number,
  signal?: AbortSignal,
): Promise<MemoryRun> {
  const { stdout } = await run(process.execPath, [CHILD, kind, String(elements), String(workers)], {
    ...(signal ? { signal } : {}),
    maxBuffer: 1 << 20,
  });
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as MemoryRun;
}
