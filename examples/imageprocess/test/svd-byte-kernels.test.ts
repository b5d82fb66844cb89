import { describe, expect, it } from 'vitest';
import { createJsKernels, u8Stride } from '../src/svd/kernels.js';
import type { Kernels } from '../src/svd/kernels.js';
import { wasmKernels } from '../src/svd/wasm-kernels.js';
import { random } from './svd-helpers.js';

/** The heap's bytes, filled with junk so that unwritten padding shows. */
function bytesOf(kernels: Kernels, size: number): Uint8Array {
  const heap = kernels.reserve(Math.ceil(size / 8) + 2);
  const bytes = new Uint8Array(heap.buffer, heap.byteOffset, heap.byteLength);
  bytes.fill(0xee);
  return bytes;
}

describe.each([
  ['wasm', () => wasmKernels()!],
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
      ] as const) {
        const stride = u8Stride(cols);
        const samples = rows * cols * step;
        const next = random(step * 1000 + rows * 100 + cols);
        const data = Uint8Array.from({ length: samples }, () => Math.floor(next() * 256));
        for (let channel = 0; channel < step; channel++) {
          const bytes = bytesOf(kernels, 16 + samples + rows * stride + 16);
          const src = 16;
          const dst = 16 + samples + 16;
          bytes.set(data, src);
          const any = kernels.gatherBytes(src + channel, rows, cols, step, dst, stride);
          const want = new Uint8Array(rows * stride);
          let nonZero = 0;
          for (let i = 0; i < rows; i++) {
            for (let j = 0; j < cols; j++) {
              want[i * stride + j] = data[(i * cols + j) * step + channel]!;
              nonZero |= want[i * stride + j]!;
            }
          }
          const got = new Uint8Array(
            kernels.heap.buffer,
            kernels.heap.byteOffset + dst,
            rows * stride,
          );
          expect(Array.from(got), `${rows}x${cols}, ${step} channels, channel ${channel}`).toEqual(
            Array.from(want),
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
      const dst = 16 + 3 * pixels + 16;
      const bytes = bytesOf(kernels, dst + 3 * pixels + 16);
      bytes.set(planes, 16);
      kernels.interleave3(16, 16 + pixels, 16 + 2 * pixels, pixels, dst);
      const got = new Uint8Array(
        kernels.heap.buffer,
        kernels.heap.byteOffset,
        dst + 3 * pixels + 16,
      );
      const want = new Uint8Array(3 * pixels);
      for (let p = 0; p < pixels; p++) {
        for (let c = 0; c < 3; c++) want[3 * p + c] = planes[c * pixels + p]!;
      }
      expect(Array.from(got.subarray(dst, dst + 3 * pixels)), `${pixels} pixels`).toEqual(
        Array.from(want),
      );
      // Nothing written past the samples, and the planes left as they were.
      expect(Array.from(got.subarray(dst + 3 * pixels, dst + 3 * pixels + 16))).toEqual(
        new Array(16).fill(0xee),
      );
      expect(Array.from(got.subarray(16, 16 + 3 * pixels))).toEqual(Array.from(planes));
    }
  });

  it('say 0 for an all-zero channel', () => {
    const kernels = make();
    const bytes = bytesOf(kernels, 1024);
    bytes.fill(0, 0, 3 * 40 * 2 + 2);
    for (let p = 0; p < 80; p++) bytes[3 * p + 1] = 9; // channel 1 only
    expect(kernels.gatherBytes(0, 2, 40, 3, 512, 48)).toBe(0);
    expect(kernels.gatherBytes(1, 2, 40, 3, 512, 48)).toBe(1);
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
