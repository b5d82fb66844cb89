import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TiffError, decodeTiff } from '../src/tiff/index.js';
import { hasSuite, prng, repoRoot, suiteFile, suiteSkipNote } from './tiff-helpers.js';

if (!hasSuite) console.warn(suiteSkipNote);

interface FuzzSummary {
  seed: number;
  cases: number;
  decoded: number;
  codes: Record<string, number>;
  leaks: { file: string; variant: string; error: string }[];
  maxMs: number;
  slowest: string;
}

/** Generous bound for the whole run: a hang in any of ~2,300 decodes trips it. */
const CHILD_KILL_MS = 45_000;

function runFuzzChild(seed: number, perFile: number): Promise<FuzzSummary> {
  const child = resolve(repoRoot, 'examples/imageprocess/test/tiff-fuzz-child.ts');
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', child, String(seed), String(perFile)],
      { cwd: repoRoot, timeout: CHILD_KILL_MS, killSignal: 'SIGKILL', maxBuffer: 1 << 24 },
      (error, stdout, stderr) => {
        if (error !== null) {
          const why = error.killed
            ? `killed after ${CHILD_KILL_MS} ms (a decode hung)`
            : error.message;
          reject(new Error(`fuzz child failed: ${why}\n${stderr}`));
          return;
        }
        resolvePromise(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as FuzzSummary);
      },
    );
  });
}

describe.skipIf(!hasSuite)('TIFF fuzz: truncated and byte-flipped suite files', () => {
  it('never hangs, never crashes, and only ever throws TiffError', async () => {
    const summary = await runFuzzChild(20261125, 40);
    expect(summary.leaks).toEqual([]);
    // The bound per file; the message names the slowest case if it is ever broken.
    expect(summary.maxMs, summary.slowest).toBeLessThan(2000);
    expect(summary.cases).toBeGreaterThan(2000);
    // Both outcomes occur: damage is detected, and harmless flips still decode.
    expect(summary.codes['ERR_TIFF_CORRUPT'] ?? 0).toBeGreaterThan(500);
    expect(summary.decoded).toBeGreaterThan(200);
  }, 60_000);

  it('reports every truncation of a strip file as damage, not as a shorter image', () => {
    const bytes = suiteFile('pillow_tiff_strip_raw.tif');
    const random = prng(7);
    for (let i = 0; i < 50; i++) {
      const length = Math.floor(random() * (bytes.length - 1));
      let error: unknown;
      try {
        decodeTiff(bytes.subarray(0, length));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TiffError);
      expect(['ERR_TIFF_CORRUPT', 'ERR_TIFF_NOT_TIFF']).toContain((error as TiffError).code);
    }
  });

  it('refuses a declared size beyond the cap before allocating', () => {
    const bytes = Uint8Array.from(suiteFile('imagetiff_rgb-3c-8b.tiff'));
    // Rewrite ImageWidth and ImageLength (LONG or SHORT entries) to 60000 x 60000.
    const view = new DataView(bytes.buffer);
    const little = bytes[0] === 0x49;
    const ifd = view.getUint32(4, little);
    const count = view.getUint16(ifd, little);
    for (let i = 0; i < count; i++) {
      const p = ifd + 2 + i * 12;
      const tag = view.getUint16(p, little);
      if (tag !== 256 && tag !== 257) continue;
      if (view.getUint16(p + 2, little) === 3) view.setUint16(p + 8, 60000, little);
      else view.setUint32(p + 8, 60000, little);
    }
    expect(() => decodeTiff(bytes)).toThrow(
      expect.objectContaining({
        code: 'ERR_TIFF_TOO_LARGE',
        message: expect.stringMatching(/limit/),
      }),
    );
  });
});

describe('TIFF bad input without the suite', () => {
  it.each([
    ['empty input', new Uint8Array(0), 'ERR_TIFF_NOT_TIFF'],
    [
      'a PNG signature',
      Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0),
      'ERR_TIFF_NOT_TIFF',
    ],
    ['a wrong magic number', Uint8Array.of(0x49, 0x49, 41, 0, 8, 0, 0, 0), 'ERR_TIFF_NOT_TIFF'],
    [
      'an IFD offset past the end',
      Uint8Array.of(0x49, 0x49, 42, 0, 200, 0, 0, 0),
      'ERR_TIFF_CORRUPT',
    ],
    ['a directory that points to itself', selfLoop(), 'ERR_TIFF_CORRUPT'],
  ] as const)('%s', (_name, bytes, code) => {
    expect(() => decodeTiff(bytes)).toThrow(expect.objectContaining({ name: 'TiffError', code }));
  });

  it('validates its arguments and options', () => {
    expect(() => decodeTiff('x' as unknown as Uint8Array)).toThrow(/Uint8Array.*`x` \(string\)/);
    expect(() => decodeTiff(new Uint8Array(8), { pages: 1 } as never)).toThrow(
      /Unknown option `pages`/,
    );
    expect(() => decodeTiff(new Uint8Array(8), { page: -1 })).toThrow(
      /integer from 0 up, got `-1`/,
    );
  });
});

/** A minimal TIFF whose one directory names itself as the next one. */
function selfLoop(): Uint8Array {
  const bytes = new Uint8Array(8 + 2 + 12 + 4);
  const view = new DataView(bytes.buffer);
  bytes.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, 8, true);
  view.setUint16(8, 1, true);
  view.setUint16(10, 256, true);
  view.setUint16(12, 3, true);
  view.setUint32(14, 1, true);
  view.setUint16(18, 1, true);
  view.setUint32(22, 8, true);
  return bytes;
}
