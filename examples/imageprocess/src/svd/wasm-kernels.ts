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
  gatherBytes: Kernels['gatherBytes'];
  interleave3: Kernels['interleave3'];
  floorToSamples: Kernels['floorToSamples'];
  floorProduct: Kernels['floorProduct'];
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
  const accelerated = <K extends NativeKernelName>(name: K): Kernels[K] => {
    if (!native) return exports[name] as Kernels[K];
    const kernel = native[name] as (memory: ArrayBuffer, ...args: number[]) => number | undefined;
    return ((...args: number[]) => kernel(memory.buffer, ...args)) as Kernels[K];
  };
  return {
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
    gatherBytes: exports.gatherBytes,
    interleave3: exports.interleave3,
    floorToSamples: exports.floorToSamples,
    floorProduct: accelerated('floorProduct'),
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
}

/**
 * The WebAssembly SIMD kernels of this thread, or `undefined` where the engine cannot compile
 * them (no SIMD support). Their memory grows to the largest matrix seen and is kept for reuse.
 */
export function wasmKernels(): Kernels | undefined {
  if (instance === undefined) instance = instantiate();
  return instance ?? undefined;
}
