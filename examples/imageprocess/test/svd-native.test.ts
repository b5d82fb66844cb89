import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createJsKernels } from '../src/svd/kernels.js';
import type { Kernels } from '../src/svd/kernels.js';
import { addonRefusal, nativeKernels, nativeKernelsMissing } from '../src/svd/native-kernels.js';
import { wasmKernelsOf } from '../src/svd/wasm-kernels.js';
import { random } from './svd-helpers.js';

// The native addon's float64 kernels against the WebAssembly and TypeScript ones, bit for bit
// (its Gram step, floorProduct and byte moves have their own files: svd-uint8-step,
// svd-floor-product, svd-byte-kernels), its checks of its arguments, and
// compressImage with and without it. Skipped, with the reason, where the addon is not built or
// the CPU has no AVX2; CI (IMAGEPROCESS_EXPECT_NATIVE=1) fails instead.
const NATIVE = nativeKernels() !== undefined;

it.runIf(!NATIVE)(`(the native kernels are not checked here: ${nativeKernelsMissing()})`, () => {
  if (process.env['IMAGEPROCESS_EXPECT_NATIVE'] === '1') {
    expect(nativeKernelsMissing()).toMatch(/no AVX2|IMAGEPROCESS_SVD_NATIVE=0/);
  }
});

it('refuses an addon built from an older source (another calling convention), saying so', () => {
  expect(addonRefusal({ avx2: true, abi: 2 })).toBe('');
  expect(addonRefusal({ avx2: true })).toMatch(/calling convention 1, not 2 .*npm run build/);
  expect(addonRefusal({ avx2: true, abi: 3 })).toMatch(/calling convention 3, not 2/);
  expect(addonRefusal({ avx2: false, abi: 2 })).toBe('this CPU has no AVX2');
});

/** Values of every size and sign, some zeros and negative zeros, full 53-bit mantissas. */
function values(count: number, seed: number): Float64Array {
  const next = random(seed);
  return Float64Array.from({ length: count }, (_, i) => {
    if (i % 17 === 3) return 0;
    if (i % 19 === 5) return -0;
    return (next() - 0.5 + next() * 2 ** -33) * 10 ** Math.floor(next() * 8 - 4);
  });
}

const SETS: [string, () => Kernels][] = [
  ['wasm', () => wasmKernelsOf('baseline')!],
  ['native', () => wasmKernelsOf('baseline', true)!],
  ['js', () => createJsKernels()],
];

/** Runs `body` on a fresh heap of each kernel set holding `init` from element 0; returns each. */
function each(init: Float64Array, extra: number, body: (k: Kernels) => void): Float64Array[] {
  return SETS.map(([, make]) => {
    const kernels = make();
    const heap = kernels.reserve(init.length + extra);
    heap.fill(Number.NaN);
    heap.set(init);
    body(kernels);
    return kernels.heap.slice(0, init.length + extra);
  });
}

function expectSameBits(results: Float64Array[], what: string): void {
  const [wasm, native, js] = results as [Float64Array, Float64Array, Float64Array];
  for (let i = 0; i < js.length; i++) {
    if (!Object.is(native[i], js[i]) || !Object.is(wasm[i], js[i])) {
      expect.fail(`${what}: element ${i}: wasm ${wasm[i]}, native ${native[i]}, js ${js[i]}`);
    }
  }
}

describe.runIf(NATIVE)('the native float64 kernels give the bits of the others', () => {
  it('dotRows, for row counts and lengths around the 4-wide blocks', () => {
    for (const count of [1, 3, 4, 5, 9]) {
      for (const len of [0, 1, 3, 4, 7, 8, 1064]) {
        const ldx = len + 3;
        const init = values(count * ldx + len, count * 100 + len);
        const y = count * ldx;
        const out = init.length;
        expectSameBits(
          each(init, count, (k) => k.dotRows(0, count, ldx, y, len, out)),
          `dotRows ${count} x ${len}`,
        );
      }
    }
  });

  it('subtractRows, for row counts and lengths around the 4-wide blocks', () => {
    for (const count of [1, 3, 4, 5, 9]) {
      for (const len of [1, 3, 4, 7, 1064]) {
        const ldx = len + 1;
        const init = values(count * ldx + count + len, count * 7 + len);
        const coef = count * ldx;
        const y = coef + count;
        expectSameBits(
          each(init, 0, (k) => k.subtractRows(0, count, ldx, coef, y, len)),
          `subtractRows ${count} x ${len}`,
        );
      }
    }
  });

  it('gemmNN, for shapes around its 4 x 8 tiles, an empty sum included', () => {
    for (const [m, kk, n] of [
      [1, 1, 1],
      [4, 3, 8],
      [5, 7, 9],
      [20, 45, 1064],
      [3, 0, 5],
      [50, 101, 700],
    ] as const) {
      const [ldb, ldv, ldc] = [kk + 2, n + 3, n + 1];
      const init = values(m * ldb + kk * ldv, m * 31 + kk * 7 + n);
      const c = init.length;
      expectSameBits(
        each(init, m * ldc, (k) => k.gemmNN(0, m, kk, ldb, m * ldb, n, ldv, c, ldc)),
        `gemmNN ${m} x ${kk} x ${n}`,
      );
    }
  });

  it('refuse offsets past the memory with a RangeError instead of touching it', () => {
    const kernels = wasmKernelsOf('baseline', true)!;
    const elements = kernels.heap.length;
    expect(() => kernels.dotRows(elements - 2, 1, 4, 0, 4, 0)).toThrow(RangeError);
    expect(() => kernels.subtractRows(0, 2, elements, 0, 0, 4)).toThrow(RangeError);
    expect(() => kernels.gemmNN(0, 2, 2, 2, 0, 2, 2, elements - 1, 2)).toThrow(
      /outside the memory/,
    );
    expect(() => kernels.gramStepU8(0, 8 * elements, 4, 4, 0, 8, 16, 0, 2)).toThrow(RangeError);
    const bytes = 8 * elements;
    const samples = new Uint8Array(300);
    expect(() => kernels.gatherBytes(samples, 0, 4, 16, 3, bytes - 48, 16, 0)).toThrow(
      /outside the memory/,
    );
    expect(() =>
      kernels.floorProduct(0, 4, 8, 4, 1, 4, 4, 0, 8, samples, 0, 1, bytes - 64),
    ).toThrow(/outside the memory/);
  });

  it('refuse JavaScript arrays that lie in the memory they write (they take them in place)', () => {
    const kernels = wasmKernelsOf('baseline', true)!;
    const heap = kernels.reserve(4096);
    const inMemory = new Uint8Array(heap.buffer, 16 * 1024, 1024);
    expect(() => kernels.gatherBytes(inMemory, 0, 4, 16, 3, 0, 16, 0)).toThrow(
      /lies in the memory/,
    );
    expect(() => kernels.floorProduct(0, 4, 8, 4, 1, 4, 4, 0, 8, inMemory, 0, 1, 8 * 1024)).toThrow(
      /lies in the memory/,
    );
    const planes = new Uint8Array(96);
    expect(() => kernels.interleave3(planes, 16, planes.subarray(48), 0)).toThrow(/apart/);
  });
});

describe.runIf(NATIVE)('compressImage with the native kernels', () => {
  const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');

  it.runIf(existsSync(dist))(
    'writes the bytes it writes without them (IMAGEPROCESS_SVD_NATIVE=0)',
    () => {
      // Two processes, since the choice is made once per thread: a synthetic photograph, wide
      // (stored transposed), at three ranks; the output's hash from each.
      const script = `
      const { synthesizeImage, compressImage } = await import(${JSON.stringify(dist)});
      const { createHash } = await import('node:crypto');
      const image = synthesizeImage({ width: 301, height: 187, seed: 5 });
      const hash = createHash('sha256');
      for (const rank of [5, 20, 37]) hash.update(compressImage(image, rank).data);
      console.log(hash.digest('hex'));
    `;
      const run = (env: Record<string, string>) =>
        execFileSync(process.execPath, ['--input-type=module', '-e', script], {
          encoding: 'utf8',
          env: { ...process.env, ...env },
        }).trim();
      const native = run({});
      const plain = run({ IMAGEPROCESS_SVD_NATIVE: '0' });
      expect(native).toMatch(/^[0-9a-f]{64}$/);
      expect(native).toBe(plain);
    },
  );
});
