import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The repository root, found from this file (tests may run from any cwd). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** ../shared/data beside the clone: real third-party test data, absent in a fresh clone. */
export const sharedData = resolve(repoRoot, '../shared/data');
export const suiteDir = resolve(sharedData, 'tiff-suite');
export const hasSuite = existsSync(resolve(suiteDir, 'expected/expected.json'));
export const suiteSkipNote = `TIFF suite tests skipped: ${suiteDir} is absent (a fresh clone has no ../shared/data)`;

/** One row of expected/expected.json (Pillow 9.4's view of the file's first page). */
export interface SuiteRow {
  file: string;
  width?: number;
  height?: number;
  pillowMode?: string;
  compression?: number;
  lossy?: boolean;
  reference: string | null;
  alpha?: string;
  note?: string;
}

export function suiteRows(): SuiteRow[] {
  return JSON.parse(
    readFileSync(resolve(suiteDir, 'expected/expected.json'), 'utf8'),
  ) as SuiteRow[];
}

export function suiteFile(name: string): Uint8Array {
  return readFileSync(resolve(suiteDir, name));
}

export function reference(name: string): Uint8Array {
  return gunzipSync(readFileSync(resolve(suiteDir, 'expected', name)));
}

/** Whether a libtiff command-line tool is installed (Debian: libtiff-tools). */
export function hasTool(tool: string): boolean {
  try {
    execFileSync(tool, [], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // The tools exit non-zero without arguments; only a missing binary is ENOENT.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** A small seeded PRNG (mulberry32) so fuzz cases are reproducible from their seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A tag for {@link buildTiff}: BYTE (1), SHORT (3), LONG (4) or RATIONAL (5) values. */
export interface BuildTag {
  tag: number;
  type: 1 | 3 | 4 | 5;
  values: number[];
}

/**
 * Writes a little-endian classic TIFF from explicit tags and chunk payloads, independently of
 * the package's encoder, so tests can build layouts the encoder never writes (tiles, planar,
 * old-style LZW, palettes, odd bit depths). Offsets and byte counts of the chunks are filled in
 * under `offsetsTag` / `countsTag` (273/279 for strips, 324/325 for tiles).
 */
export function buildTiff(
  tags: BuildTag[],
  chunks: Uint8Array[],
  offsetsTag: 273 | 324 = 273,
  countsTag: 279 | 325 = 279,
): Uint8Array {
  const all: BuildTag[] = [
    ...tags,
    { tag: offsetsTag, type: 4 as const, values: chunks.map(() => 0) },
    { tag: countsTag, type: 4 as const, values: chunks.map((c) => c.length) },
  ].sort((a, b) => a.tag - b.tag);
  const unit = (t: BuildTag): number => [0, 1, 0, 2, 4, 8][t.type] ?? 4;
  const ifdSize = 2 + all.length * 12 + 4;
  let cursor = 8 + ifdSize;
  const extra = new Map<BuildTag, number>();
  for (const t of all) {
    const size = unit(t) * t.values.length;
    if (size > 4) {
      extra.set(t, cursor);
      cursor += size + (size & 1);
    }
  }
  const offsets = all.find((t) => t.tag === offsetsTag);
  if (offsets !== undefined) {
    offsets.values = chunks.map((c) => {
      const at = cursor;
      cursor += c.length;
      return at;
    });
  }
  const out = new Uint8Array(cursor);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, 8, true);
  view.setUint16(8, all.length, true);
  all.forEach((t, i) => {
    const p = 10 + i * 12;
    view.setUint16(p, t.tag, true);
    view.setUint16(p + 2, t.type, true);
    view.setUint32(p + 4, t.values.length, true);
    const at = extra.get(t) ?? p + 8;
    if (extra.has(t)) view.setUint32(p + 8, at, true);
    t.values.forEach((v, k) => {
      if (t.type === 1) view.setUint8(at + k, v);
      else if (t.type === 3) view.setUint16(at + 2 * k, v, true);
      else if (t.type === 4) view.setUint32(at + 4 * k, v, true);
      else {
        view.setUint32(at + 8 * k, Math.round(v * 1000), true);
        view.setUint32(at + 8 * k + 4, 1000, true);
      }
    });
  });
  chunks.forEach((c, i) => out.set(c, offsets?.values[i] ?? 0));
  return out;
}

/** Old-style (pre-TIFF 6.0) LZW, as early libtiff wrote it: LSB-first codes, no early change. */
export function oldStyleLzw(input: Uint8Array): Uint8Array {
  const out: number[] = [];
  let buffer = 0;
  let count = 0;
  const put = (code: number, width: number): void => {
    buffer |= code << count;
    count += width;
    while (count >= 8) {
      out.push(buffer & 0xff);
      buffer >>>= 8;
      count -= 8;
    }
  };
  const dict = new Map<number, number>();
  let width = 9;
  let next = 258;
  put(256, width);
  let current = input[0] ?? 0;
  for (let i = 1; i < input.length; i++) {
    const byte = input[i] ?? 0;
    const key = current * 256 + byte;
    const found = dict.get(key);
    if (found !== undefined) {
      current = found;
      continue;
    }
    put(current, width);
    dict.set(key, next++);
    current = byte;
    if (next === 4094) {
      put(256, width);
      dict.clear();
      width = 9;
      next = 258;
    } else if (next > 1 << width) {
      // Without early change the decoder widens only when the table holds 2^width codes.
      width++;
    }
  }
  put(current, width);
  next++;
  if (next > 1 << width) width++;
  put(257, width);
  if (count > 0) out.push(buffer & 0xff);
  return Uint8Array.from(out);
}
