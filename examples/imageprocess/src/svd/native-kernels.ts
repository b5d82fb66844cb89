import { createRequire } from 'node:module';
import type { Kernels } from './kernels.js';

/** The kernels the addon replaces. */
export type NativeKernelName =
  | 'gramStepU8'
  | 'floorProduct'
  | 'dotRows'
  | 'subtractRows'
  | 'gemmNN'
  | 'gatherBytes'
  | 'interleave3';

/** native/svd-native.c's NATIVE_ABI: the kernels' calling convention this code expects. */
const NATIVE_ABI = 2;

/** A kernel's signature with the WebAssembly memory's ArrayBuffer before its own arguments. */
type OnMemory<F> = F extends (...args: infer A) => infer R
  ? (memory: ArrayBuffer, ...args: A) => R
  : never;

/**
 * The optional native addon (native/svd-native.c, built into build/svd-native.node by
 * scripts/build-native.mjs where a C compiler and Node's headers are present): the uint8 Gram
 * step, floorProduct and the float64 dotRows, subtractRows and gemmNN in 256-bit AVX2, working
 * on the WebAssembly heap in place, and the byte moves gatherBytes and interleave3, with the
 * same results bit for bit as the WebAssembly kernels they replace: those of {@link Kernels},
 * each taking the memory's buffer first. Those that take JavaScript arrays read and write them
 * in place, without the WebAssembly's copies.
 */
export type NativeKernels = { readonly [K in NativeKernelName]: OnMemory<Kernels[K]> };

type Addon = NativeKernels & {
  /** Whether this CPU has AVX2 (the addon's kernels need it). */
  readonly avx2: boolean;
  /** The calling convention it was built with (absent before the first change to it: 1). */
  readonly abi?: number;
};

let addon: Addon | null | undefined;
let why = '';

function load(): Addon | null {
  if (process.env['IMAGEPROCESS_SVD_NATIVE'] === '0') {
    why = 'IMAGEPROCESS_SVD_NATIVE=0';
    return null;
  }
  let loaded: Addon;
  try {
    // src/svd/ and dist/svd/ both sit two folders below the package, where build/ is.
    loaded = createRequire(import.meta.url)('../../build/svd-native.node') as Addon;
  } catch (error) {
    why = `build/svd-native.node did not load (${(error as Error).message.split('\n')[0]}); npm run build makes it where a C compiler is present`;
    return null;
  }
  why = addonRefusal(loaded);
  return why === '' ? loaded : null;
}

/**
 * Why a loaded addon cannot serve ('' when it can): the CPU has no AVX2, or it was built from
 * a source with another calling convention (its kernels' arguments differ from this code's).
 * @internal
 */
export function addonRefusal(loaded: { readonly avx2?: unknown; readonly abi?: unknown }): string {
  if (loaded.avx2 !== true) return 'this CPU has no AVX2';
  if (loaded.abi !== NATIVE_ABI) {
    return `build/svd-native.node has calling convention ${String(loaded.abi ?? 1)}, not ${NATIVE_ABI} (built from an older native/svd-native.c); npm run build rebuilds it`;
  }
  return '';
}

/**
 * The native kernels of this process, or undefined (then {@link nativeKernelsMissing} says
 * why): not built, built from an older source, not x64 with AVX2, or IMAGEPROCESS_SVD_NATIVE=0.
 */
export function nativeKernels(): NativeKernels | undefined {
  if (addon === undefined) addon = load();
  return addon ?? undefined;
}

/** Why {@link nativeKernels} is undefined ('' when it is not). */
export function nativeKernelsMissing(): string {
  nativeKernels();
  return why;
}
