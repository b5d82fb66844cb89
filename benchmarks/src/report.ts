/**
 * Report output: aligned tables for the terminal (valid Markdown, so they paste into
 * RESULTS.md as they are) and results files written atomically.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Column alignment: numbers read best right-aligned. */
export type Align = 'left' | 'right';

/**
 * Lay out a table as Markdown with padded columns.
 *
 * @param headers - one per column
 * @param rows - cells as already-formatted strings, as many as headers per row
 * @param align - per column; @default 'left' for the first column, 'right' for the others
 * @returns the lines, without trailing newlines
 * @example
 * formatTable(['workers', 'speedup'], [['1', '0.98x'], ['2', '1.93x']]);
 * // | workers | speedup |
 * // | ------- | ------: |
 * // | 1       |   0.98x |
 * // | 2       |   1.93x |
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly Align[],
): string[] {
  for (const [i, row] of rows.entries()) {
    if (row.length !== headers.length) {
      throw new RangeError(
        `Expected ${headers.length} cells in row ${i} (one per header), got ${row.length}.`,
      );
    }
  }
  const aligns = headers.map((_, c) => align?.[c] ?? (c === 0 ? 'left' : 'right'));
  const widths = headers.map((h, c) =>
    Math.max(3, h.length, ...rows.map((r) => (r[c] as string).length)),
  );
  const pad = (text: string, c: number): string =>
    aligns[c] === 'right' ? text.padStart(widths[c] as number) : text.padEnd(widths[c] as number);
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, c) => pad(cell, c)).join(' | ')} |`;
  const rule = `| ${widths
    .map((w, c) => (aligns[c] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)))
    .join(' | ')} |`;
  return [line(headers), rule, ...rows.map(line)];
}

/**
 * Milliseconds as a short human figure: `812 ms`, `3.41 s`, `2 min 05 s`.
 *
 * @example
 * formatDuration(3412); // '3.41 s'
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1) return `${(ms * 1000).toFixed(0)} us`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(2)} s`;
  const min = Math.floor(ms / 60_000);
  const s = Math.round((ms - min * 60_000) / 1000);
  return `${min} min ${String(s).padStart(2, '0')} s`;
}

/**
 * A range of durations in the unit of its upper end: `11-14 ms`, `1.95-2.10 s`.
 *
 * @example
 * formatDurationRange(1950, 2104); // '1.95-2.10 s'
 */
export function formatDurationRange(lo: number, hi: number): string {
  const upper = formatDuration(hi);
  const unit = upper.match(/ (us|ms|s)$/)?.[1];
  if (unit === undefined) return `${formatDuration(lo)} - ${upper}`;
  const scale = unit === 'us' ? 1e-3 : unit === 'ms' ? 1 : 1000;
  const digits = upper.slice(0, -unit.length - 1).split('.')[1]?.length ?? 0;
  return `${(lo / scale).toFixed(digits)}-${upper}`;
}

/**
 * A path for a message: relative to the working folder when it is inside it, else absolute.
 *
 * @example
 * displayPath('/work/main/benchmarks/results/scaling.json'); // 'benchmarks/results/scaling.json' from /work/main
 */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/**
 * Paths (like `results.rows[2].speedup`) of every number in `value` that is NaN or infinite.
 * JSON.stringify would silently write those as null; the CLI reports them as a bug instead.
 *
 * @example
 * nonFiniteNumbers({ a: [1, NaN] }); // ['a[1]']
 */
export function nonFiniteNumbers(value: unknown, at = ''): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [at || '(root)'];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFiniteNumbers(v, `${at}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      nonFiniteNumbers(v, at === '' ? k : `${at}.${k}`),
    );
  }
  return [];
}

/**
 * Write a file atomically: to a temporary name beside it, then rename, so that a crash or an
 * interrupt never leaves a half-written result where a reader expects a whole one.
 *
 * @param file - destination path; its folder is created when missing
 * @param data - the content
 * @example
 * await writeFileAtomic('results/scaling.json', JSON.stringify(result));
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
