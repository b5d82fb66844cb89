import { describe, expect, it } from 'vitest';
import { createJsKernels, u8Stride } from '../src/svd/kernels.js';
import type { Kernels } from '../src/svd/kernels.js';
import { nativeKernels } from '../src/svd/native-kernels.js';
import { wasmKernelsOf } from '../src/svd/wasm-kernels.js';
import { random } from './svd-helpers.js';

/** The heap's bytes, filled with junk so that unwritten padding shows. */
function bytesOf(kernels: Kernels, size: number): Uint8Array {
  const heap = kernels.reserve(Math.ceil(size / 8) + 2);
  const bytes = new Uint8Array(heap.buffer, heap.byteOffset, heap.byteLength);
  bytes.fill(0xee);
  return bytes;
}

/** The heap's bytes now (a kernel may have grown it). */
function heapBytes(kernels: Kernels): Uint8Array {
  return new Uint8Array(kernels.heap.buffer, kernels.heap.byteOffset, kernels.heap.byteLength);
}

describe.each([
  ['wasm', () => wasmKernelsOf('baseline')!],
  ...(nativeKernels() ? [['native AVX2', () => wasmKernelsOf('baseline', true)!] as const] : []),
  ['js', () => createJsKernels()],
] as const)('the byte kernels (%s)', (_, make) => {
  it('gather one channel of interleaved samples into padded rows', () => {
    const kernels = make();
    for (const step of [1, 2, 3, 4]) {
      for (const [rows, cols] of [
        [1, 1],
        [3, 15],
        [2, 16],
        [5, 17],
        [4, 47],
        [7, 100],
        [3, 64],
      ] as const) {
        const stride = u8Stride(cols);
        const samples = rows * cols * step;
        const next = random(step * 1000 + rows * 100 + cols);
        const data = Uint8Array.from({ length: samples }, () => Math.floor(next() * 256));
        for (let channel = 0; channel < step; channel++) {
          // The samples end where the channel's last one does (nothing to read past).
          const source = data.subarray(0, samples - (step - 1 - channel));
          const dst = 16;
          const spare = dst + rows * stride + 16;
          bytesOf(kernels, spare);
          const any = kernels.gatherBytes(source, channel, rows, cols, step, dst, stride, spare);
          const want = new Uint8Array(rows * stride);
          let nonZero = 0;
          for (let i = 0; i < rows; i++) {
            for (let j = 0; j < cols; j++) {
              want[i * stride + j] = data[(i * cols + j) * step + channel]!;
              nonZero |= want[i * stride + j]!;
            }
          }
          const got = heapBytes(kernels);
          const what = `${rows}x${cols}, ${step} channels, channel ${channel}`;
          expect(Array.from(got.subarray(dst, dst + rows * stride)), what).toEqual(
            Array.from(want),
          );
          // Nothing written before the rows or between them and `spare`.
          expect(Array.from(got.subarray(0, dst)), what).toEqual(new Array(dst).fill(0xee));
          expect(Array.from(got.subarray(dst + rows * stride, spare)), what).toEqual(
            new Array(16).fill(0xee),
          );
          expect(any).toBe(nonZero === 0 ? 0 : 1);
        }
      }
    }
  });

  it('interleave three planes into RGB samples, whole vectors and the bytes after', () => {
    const kernels = make();
    for (const pixels of [0, 1, 15, 16, 17, 47, 48, 49, 100, 1001]) {
      const next = random(pixels + 7);
      const planes = Uint8Array.from({ length: 3 * pixels }, () => Math.floor(next() * 256));
      const kept = planes.slice();
      const target = new Uint8Array(3 * pixels + 16).fill(0xee);
      kernels.interleave3(planes, pixels, target, 0);
      const want = new Uint8Array(3 * pixels);
      for (let p = 0; p < pixels; p++) {
        for (let c = 0; c < 3; c++) want[3 * p + c] = planes[c * pixels + p]!;
      }
      expect(Array.from(target.subarray(0, 3 * pixels)), `${pixels} pixels`).toEqual(
        Array.from(want),
      );
      // Nothing written past the samples, and the planes left as they were.
      expect(Array.from(target.subarray(3 * pixels))).toEqual(new Array(16).fill(0xee));
      expect(Array.from(planes)).toEqual(Array.from(kept));
    }
  });

  it('say 0 for an all-zero channel', () => {
    const kernels = make();
    bytesOf(kernels, 1024);
    const data = new Uint8Array(3 * 80);
    for (let p = 0; p < 80; p++) data[3 * p + 1] = 9; // channel 1 only
    expect(kernels.gatherBytes(data, 0, 2, 40, 3, 512, 48, 1024)).toBe(0);
    expect(kernels.gatherBytes(data, 1, 2, 40, 3, 512, 48, 1024)).toBe(1);
  });

  it('refuse samples past the end of their arrays with a RangeError, writing nothing', () => {
    const kernels = make();
    const data = new Uint8Array(3 * 80).fill(7);
    const bytes = bytesOf(kernels, 1024);
    expect(() => kernels.gatherBytes(data, 1, 2, 40, 3, 512, 48, 1024)).not.toThrow();
    bytes.fill(0xee);
    expect(() => kernels.gatherBytes(data.subarray(0, 238), 1, 2, 40, 3, 512, 48, 1024)).toThrow(
      RangeError,
    );
    expect(
      heapBytes(kernels)
        .subarray(0, 1024)
        .every((b) => b === 0xee),
    ).toBe(true);
    const target = new Uint8Array(3 * 10 - 1).fill(0xee);
    expect(() => kernels.interleave3(new Uint8Array(30), 10, target, 0)).toThrow(RangeError);
    expect(() => kernels.interleave3(new Uint8Array(29), 10, new Uint8Array(30), 0)).toThrow(
      RangeError,
    );
    expect(target.every((b) => b === 0xee)).toBe(true);
  });

  it('transpose a matrix of bytes, full 16 x 16 tiles and edges, zeroing the padding', () => {
    const kernels = make();
    for (const [rows, cols] of [
      [1, 1],
      [16, 16],
      [17, 5],
      [32, 48],
      [33, 47],
      [70, 19],
    ] as const) {
      const srcStride = u8Stride(cols);
      const dstStride = u8Stride(rows);
      const next = random(rows * 31 + cols);
      const bytes = bytesOf(kernels, rows * srcStride + cols * dstStride);
      const values = Uint8Array.from({ length: rows * cols }, () => Math.floor(next() * 256));
      for (let i = 0; i < rows; i++)
        bytes.set(values.subarray(i * cols, (i + 1) * cols), i * srcStride);
      const dst = rows * srcStride;
      kernels.transposeBytes(0, rows, cols, srcStride, dst, dstStride);
      const want = new Uint8Array(cols * dstStride);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) want[j * dstStride + i] = values[i * cols + j]!;
      }
      const got = new Uint8Array(
        kernels.heap.buffer,
        kernels.heap.byteOffset + dst,
        cols * dstStride,
      );
      expect(Array.from(got), `${rows}x${cols}`).toEqual(Array.from(want));
    }
  });
});
