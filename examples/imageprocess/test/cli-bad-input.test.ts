import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compressedFileName } from '../src/compress.js';
import { createRng } from '../src/prng.js';
import { runCli as run } from './cli-run.js';

// The TIFF files of other software in ../shared/data (absent in a newcomer's clone).
const suite = join(import.meta.dirname, '../../../../shared/data/tiff-suite');
const present = existsSync(suite);
if (!present) {
  console.warn(`cli-bad-input.test.ts: SKIPPED, ${suite} is absent (the TIFF suite is optional).`);
}
const root = mkdtempSync(join(tmpdir(), 'imageprocess-bad-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(!present)('imageprocess compress over the TIFF suite and damaged copies', () => {
  it('accounts for every file: an output or an error naming it, never a hang or a lost output', async () => {
    const files = readdirSync(suite)
      .filter((name) => /\.tiff?$/i.test(name))
      .map((name) => join(suite, name));
    // Damaged copies: truncated at several points, and bytes flipped at seeded random places.
    const rng = createRng(1234);
    const damaged: string[] = [];
    for (const source of files.filter((_, i) => i % 4 === 0)) {
      const bytes = readFileSync(source);
      for (const fraction of [0.1, 0.6]) {
        const path = join(root, `cut${Math.round(fraction * 100)}-${basename(source)}`);
        writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * fraction)));
        damaged.push(path);
      }
      const flipped = Buffer.from(bytes);
      for (let n = 0; n < 8; n++) {
        const at = Math.floor(rng.next() * flipped.length);
        flipped[at] = flipped[at]! ^ (1 + Math.floor(rng.next() * 255));
      }
      const path = join(root, `flip-${basename(source)}`);
      writeFileSync(path, flipped);
      damaged.push(path);
    }
    const inputs = [...files, ...damaged];
    const out = join(root, 'out');
    const { code, stdout, stderr } = await run([
      'compress',
      '--rank',
      '1',
      '--jobs',
      '2',
      '--timeout',
      '30',
      '--out',
      out,
      ...inputs,
    ]);

    const failedLines = stderr.split('\n').filter((line) => line.startsWith('error: '));
    const failed = new Set(failedLines.map((line) => line.slice(7, line.indexOf(': ', 7))));
    const written = readdirSync(out);
    for (const input of inputs) {
      const output = compressedFileName(input, 1);
      // Exactly one of the two: written, or reported with a reason.
      expect(failed.has(input) !== written.includes(output), input).toBe(true);
      if (!failed.has(input)) expect(stdout).toContain(join(out, output));
    }
    expect(written.some((name) => name.endsWith('.tmp'))).toBe(false);
    expect(failed.size).toBeGreaterThan(0);
    expect(code).toBe(1);
    expect(stderr).toContain(`${failed.size} of ${inputs.length} file(s) failed`);
    // Unsupported variants and damage are explained, not just "failed".
    for (const line of failedLines)
      expect(line.length, line).toBeGreaterThan(line.indexOf(': ', 7) + 20);
  });
});
