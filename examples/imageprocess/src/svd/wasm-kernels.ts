import { checkSpan, floorProductScratchBytes } from './kernels.js';
import type { Kernels } from './kernels.js';
import { SVD_KERNELS_RELAXED_WASM_BASE64, SVD_KERNELS_WASM_BASE64 } from './kernels-wasm-binary.js';
import { nativeKernels } from './native-kernels.js';
import type { NativeKernelName, NativeKernels } from './native-kernels.js';

/** The part of the WebAssembly API used here (the project's TypeScript lib has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

interface KernelExports {
  memory: WasmMemory;
  gramStep: Kernels['gramStep'];
  gramStepU8: Kernels['gramStepU8'];
  transposeBytes: Kernels['transposeBytes'];
  /** {@link Kernels.gatherBytes} from `src`, a byte address of the memory (2 bytes past the last sample may be read). */
  gatherBytes(
    src: number,
    rows: number,
    cols: number,
    step: number,
    dst: number,
    dstStride: number,
  ): number;
  /** {@link Kernels.interleave3} from planes at byte addresses r, g, b to `dst` of the memory. */
  interleave3(r: number, g: number, b: number, pixels: number, dst: number): void;
  floorToSamples: Kernels['floorToSamples'];
  /** {@link Kernels.floorProduct} into byte address `out` of the memory. */
  floorProduct(
    l: number,
    ldl: number,
    r: number,
    ldr: number,
    p: number,
    rows: number,
    cols: number,
    planar: number,
    planarStride: number,
    out: number,
    step: number,
    scratch: number,
  ): number;
  dotRows: Kernels['dotRows'];
  subtractRows: Kernels['subtractRows'];
  rank1Rows: Kernels['rank1Rows'];
  rank2Rows: Kernels['rank2Rows'];
  dotsNT: Kernels['dotsNT'];
  gemmNN: Kernels['gemmNN'];
  lastRowEigen: Kernels['lastRowEigen'];
  rotate: Kernels['rotate'];
  rotateBack: Kernels['rotateBack'];
}

const PAGE_BYTES = 65536;
/** wasm32 addresses are 32-bit: the heap cannot pass 4 GiB (offsets are element counts). */
export const WASM_MAX_ELEMENTS = 2 ** 29 - 1;

// One instance per thread (module state is per worker), created on first use. `null` records
// that this engine cannot run the module (no WebAssembly SIMD), so it is not retried.
let instance: Kernels | null | undefined;

/**
 * Which binary this thread runs: 'relaxed' (floorProduct's multiply-adds in relaxed SIMD, on
 * engines that have it: Node 22 and later) or 'baseline'. Both write the same bytes and the same
 * float64 results (scripts/build-wasm.mjs); only the time differs.
 */
export type WasmVariant = 'relaxed' | 'baseline';
let variant: WasmVariant | undefined;

/** The variant {@link wasmKernels} runs (undefined where the engine has no WebAssembly SIMD). */
export function wasmVariant(): WasmVariant | undefined {
  wasmKernels();
  return variant;
}

function compile(base64: string): KernelExports | undefined {
  try {
    const module = new wasmApi!.Module(Buffer.from(base64, 'base64'));
    return new wasmApi!.Instance(module, {}).exports as KernelExports;
  } catch {
    return undefined;
  }
}

/**
 * A fresh instance of one binary's kernels, or undefined where this engine cannot compile it
 * (no relaxed SIMD before Node 22; no SIMD at all): for tests and benchmarks that compare the
 * two. With `native`, the native addon's Gram step and floorProduct replace the WebAssembly ones
 * where the addon is present (as in {@link wasmKernels}); without, every kernel is WebAssembly. The package
 * itself uses {@link wasmKernels}.
 */
export function wasmKernelsOf(which: WasmVariant, native = false): Kernels | undefined {
  if (!wasmApi) return undefined;
  const exports = compile(
    which === 'relaxed' ? SVD_KERNELS_RELAXED_WASM_BASE64 : SVD_KERNELS_WASM_BASE64,
  );
  return exports && kernelsOf(exports, native ? nativeKernels() : undefined);
}

function instantiate(): Kernels | null {
  // An engine without relaxed SIMD refuses that binary (a CompileError): then the baseline.
  // IMAGEPROCESS_SVD_WASM=baseline forces the baseline, for timing the two.
  const forced = process.env['IMAGEPROCESS_SVD_WASM'] === 'baseline';
  const relaxed = forced ? undefined : wasmKernelsOf('relaxed', true);
  const kernels = relaxed ?? wasmKernelsOf('baseline', true);
  if (!kernels) return null;
  variant = relaxed ? 'relaxed' : 'baseline';
  return kernels;
}

function kernelsOf(exports: KernelExports, native: NativeKernels | undefined): Kernels {
  const memory = exports.memory;
  let heap = new Float64Array(memory.buffer);
  // The native kernels work on the memory's buffer in place (taken at each call: growing the
  // memory replaces it), with the WebAssembly export's arguments after it.
  const accelerated = <K extends NativeKernelName>(
    name: K,
    wasm: Kernels[K] = exports[name as keyof KernelExports] as Kernels[K],
  ): Kernels[K] => {
    if (!native) return wasm;
    const kernel = native[name] as (memory: ArrayBuffer, ...args: unknown[]) => unknown;
    return ((...args: unknown[]) => kernel(memory.buffer, ...args)) as Kernels[K];
  };
  /** Bytes at..at + length of the memory, grown to hold them. */
  const bytesAt = (at: number, length: number): Uint8Array => {
    kernels.reserve(Math.ceil((at + length) / 8));
    return new Uint8Array(memory.buffer, at, length);
  };
  // The WebAssembly kernels see only their memory: JavaScript arrays cross in and out by one
  // copy each (the native ones read and write them in place).
  const gatherBytes: Kernels['gatherBytes'] = (
    source,
    first,
    rows,
    cols,
    step,
    dst,
    stride,
    spare,
  ) => {
    checkSpan('gatherBytes', 'source', source, first, rows * cols, step);
    // Two spare bytes for those the kernel may read past the last sample.
    bytesAt(spare, source.length + 2).set(source);
    return exports.gatherBytes(spare + first, rows, cols, step, dst, stride);
  };
  const interleave3: Kernels['interleave3'] = (planes, pixels, target, spare) => {
    checkSpan('interleave3', 'planes', planes, 0, 3 * pixels, 1);
    checkSpan('interleave3', 'target', target, 0, 3 * pixels, 1);
    const room = bytesAt(spare, 6 * pixels);
    room.set(planes.subarray(0, 3 * pixels));
    exports.interleave3(spare, spare + pixels, spare + 2 * pixels, pixels, spare + 3 * pixels);
    target.set(room.subarray(3 * pixels));
  };
  const floorProduct: Kernels['floorProduct'] = (...args) => {
    const [l, ldl, r, ldr, p, rows, cols, planar, stride, target, targetAt, step, scratch] = args;
    const span =
      checkSpan('floorProduct', 'target', target, targetAt, rows * cols, step) - targetAt;
    const outAt = scratch + 16 * Math.ceil(floorProductScratchBytes(p, rows, cols) / 16);
    const room = bytesAt(outAt, span);
    // Interleaved: the other channels' bytes between the written ones are kept.
    if (step > 1) room.set(target.subarray(targetAt, targetAt + span));
    const error = exports.floorProduct(
      l,
      ldl,
      r,
      ldr,
      p,
      rows,
      cols,
      planar,
      stride,
      outAt,
      step,
      scratch,
    );
    target.set(room, targetAt);
    return error;
  };
  const kernels: Kernels = {
    kind: 'wasm',
    get heap() {
      return heap;
    },
    reserve(elements) {
      if (elements > WASM_MAX_ELEMENTS) {
        throw new RangeError(
          `The WebAssembly SVD kernels need ${elements * 8} bytes of memory, more than their 4 GiB address space; use { kernels: 'js' } for a matrix this large.`,
        );
      }
      const bytes = elements * 8;
      if (memory.buffer.byteLength < bytes) {
        try {
          memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
        } catch (error) {
          throw new RangeError(
            `The WebAssembly SVD kernels could not grow their memory to ${bytes} bytes (${(error as Error).message}); use { kernels: 'js' } for a matrix this large.`,
            { cause: error },
          );
        }
        heap = new Float64Array(memory.buffer);
      }
      return heap;
    },
    gramStep: exports.gramStep,
    gramStepU8: accelerated('gramStepU8'),
    transposeBytes: exports.transposeBytes,
    gatherBytes: accelerated('gatherBytes', gatherBytes),
    interleave3: accelerated('interleave3', interleave3),
    floorToSamples: exports.floorToSamples,
    floorProduct: accelerated('floorProduct', floorProduct),
    dotRows: accelerated('dotRows'),
    subtractRows: accelerated('subtractRows'),
    rank1Rows: exports.rank1Rows,
    rank2Rows: exports.rank2Rows,
    dotsNT: exports.dotsNT,
    gemmNN: accelerated('gemmNN'),
    lastRowEigen: exports.lastRowEigen,
    rotate: exports.rotate,
    rotateBack: exports.rotateBack,
  };
  return kernels;
}

/**
 * The WebAssembly SIMD kernels of this thread, or `undefined` where the engine cannot compile
 * them (no SIMD support). Their memory grows to the largest matrix seen and is kept for reuse.
 */
export function wasmKernels(): Kernels | undefined {
  if (instance === undefined) instance = instantiate();
  return instance ?? undefined;
}
