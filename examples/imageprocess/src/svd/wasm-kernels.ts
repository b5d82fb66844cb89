import type { Kernels } from './kernels.js';
import { SVD_KERNELS_WASM_BASE64 } from './kernels-wasm-binary.js';

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
  floorToSamples: Kernels['floorToSamples'];
  floorProduct: Kernels['floorProduct'];
  dotRows: Kernels['dotRows'];
  subtractRows: Kernels['subtractRows'];
  rank1Rows: Kernels['rank1Rows'];
  rank2Rows: Kernels['rank2Rows'];
  dotsNT: Kernels['dotsNT'];
  gemmNN: Kernels['gemmNN'];
  rotate: Kernels['rotate'];
}

const PAGE_BYTES = 65536;
/** wasm32 addresses are 32-bit: the heap cannot pass 4 GiB (offsets are element counts). */
export const WASM_MAX_ELEMENTS = 2 ** 29 - 1;

// One instance per thread (module state is per worker), created on first use. `null` records
// that this engine cannot run the module (no WebAssembly SIMD), so it is not retried.
let instance: Kernels | null | undefined;

function instantiate(): Kernels | null {
  if (!wasmApi) return null;
  let exports: KernelExports;
  try {
    const bytes = Buffer.from(SVD_KERNELS_WASM_BASE64, 'base64');
    const module = new wasmApi.Module(bytes);
    exports = new wasmApi.Instance(module, {}).exports as KernelExports;
  } catch {
    return null;
  }
  const memory = exports.memory;
  let heap = new Float64Array(memory.buffer);
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
    gramStepU8: exports.gramStepU8,
    transposeBytes: exports.transposeBytes,
    gatherBytes: exports.gatherBytes,
    floorToSamples: exports.floorToSamples,
    floorProduct: exports.floorProduct,
    dotRows: exports.dotRows,
    subtractRows: exports.subtractRows,
    rank1Rows: exports.rank1Rows,
    rank2Rows: exports.rank2Rows,
    dotsNT: exports.dotsNT,
    gemmNN: exports.gemmNN,
    rotate: exports.rotate,
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
