/**
 * Fuzz driver, run in a child process by tiff-fuzz.test.ts so that a hang can be killed from
 * outside: decodes truncated and byte-flipped variants of every suite file and prints one JSON
 * summary line. Usage: node --import tsx tiff-fuzz-child.ts <seed> <variantsPerFile>
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TiffError, decodeTiff } from '../src/tiff/index.js';
import { prng, suiteDir } from './tiff-helpers.js';

interface Leak {
  file: string;
  variant: string;
  error: string;
}

const seed = Number(process.argv[2] ?? 1);
const perFile = Number(process.argv[3] ?? 40);
const random = prng(seed);
const int = (n: number): number => Math.floor(random() * n);

const files = readdirSync(suiteDir)
  .filter((f) => /\.tiff?$/.test(f))
  .sort();
const codes: Record<string, number> = {};
const leaks: Leak[] = [];
let cases = 0;
let decoded = 0;
let maxMs = 0;
let slowest = '';

function structuralRegion(bytes: Uint8Array): [number, number] {
  // Header plus the first directory: where a flipped byte changes the meaning, not a pixel.
  if (bytes.length < 8) return [0, bytes.length];
  const little = bytes[0] === 0x49;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const big = view.getUint16(2, little) === 43;
  const offset = big ? Number(view.getBigUint64(8, little)) : view.getUint32(4, little);
  if (offset + 2 > bytes.length) return [0, 16];
  const count = big ? Number(view.getBigUint64(offset, little)) : view.getUint16(offset, little);
  return [offset, Math.min(bytes.length, offset + (big ? 8 + count * 20 : 2 + count * 12) + 8)];
}

function run(file: string, variant: string, bytes: Uint8Array): void {
  cases++;
  const start = performance.now();
  try {
    const image = decodeTiff(bytes);
    if (image.data.length !== image.width * image.height * image.channels) {
      leaks.push({ file, variant, error: 'decoded image has inconsistent data length' });
    }
    decoded++;
  } catch (error) {
    if (error instanceof TiffError) codes[error.code] = (codes[error.code] ?? 0) + 1;
    else {
      const e = error as Error;
      leaks.push({ file, variant, error: `${e?.name}: ${e?.message}` });
    }
  }
  const ms = performance.now() - start;
  if (ms > maxMs) {
    maxMs = ms;
    slowest = `${file} ${variant}`;
  }
}

for (const file of files) {
  const original = readFileSync(join(suiteDir, file));
  const [s0, s1] = structuralRegion(original);
  const truncations = [0, 4, 8, 12, s0 + 6, s1 - 1, original.length >> 1, original.length - 1];
  for (let i = 0; i < Math.max(2, perFile >> 3); i++) truncations.push(int(original.length));
  for (const length of truncations) {
    if (length >= 0 && length < original.length) {
      run(file, `truncate ${length}`, original.subarray(0, length));
    }
  }
  for (let v = 0; v < perFile; v++) {
    const bytes = Uint8Array.from(original);
    const flips = 1 + int(4);
    const where: number[] = [];
    for (let k = 0; k < flips; k++) {
      const structural = v % 2 === 0 && s1 > s0;
      const p = structural ? s0 + int(s1 - s0) : int(bytes.length);
      bytes[p] = v % 3 === 0 ? (bytes[p] ?? 0) ^ (1 << int(8)) : int(256);
      where.push(p);
    }
    if (v % 5 === 4) {
      // A zeroed run inside the data: damages compressed streams in a less random way.
      const p = int(bytes.length);
      bytes.fill(0, p, p + 1 + int(64));
      where.push(-p);
    }
    run(file, `flip ${where.join(',')}`, bytes);
  }
}

process.stdout.write(`${JSON.stringify({ seed, cases, decoded, codes, leaks, maxMs, slowest })}\n`);
