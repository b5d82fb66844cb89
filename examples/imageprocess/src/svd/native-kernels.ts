import { createRequire } from 'node:module';
import type { Kernels } from './kernels.js';

/** The kernels the addon replaces. */
const NATIVE_KERNEL_NAMES = [
  'gramStepU8',
  'floorProduct',
  'dotRows',
  'subtractRows',
  'gemmNN',
  'gatherBytes',
  'interleave3',
] as const;
export type NativeKernelName = (typeof NATIVE_KERNEL_NAMES)[number];

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
  if (!loaded.avx2) {
    why = 'this CPU has no AVX2';
    return null;
  }
  const missing = NATIVE_KERNEL_NAMES.filter((name) => typeof loaded[name] !== 'function');
  if (missing.length > 0) {
    why = `build/svd-native.node lacks ${missing.join(', ')} (built from an older native/svd-native.c); npm run build rebuilds it`;
    return null;
  }
  return loaded;
}

/**
 * The native kernels of this process, or undefined (then {@link nativeKernelsMissing} says
 * why): not built, not x64 with AVX2, or IMAGEPROCESS_SVD_NATIVE=0.
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
