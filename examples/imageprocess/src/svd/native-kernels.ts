import { createRequire } from 'node:module';

/**
 * The optional native addon (native/svd-native.c, built into build/svd-native.node by
 * scripts/build-native.mjs where a C compiler and Node's headers are present): the uint8 Gram
 * step, floorProduct and the float64 dotRows, subtractRows and gemmNN in 256-bit AVX2, working
 * on the WebAssembly heap in place, with the same results bit for bit as the WebAssembly kernels
 * they replace.
 */
export interface NativeKernels {
  /** The WebAssembly export's arguments after the memory's ArrayBuffer. */
  gramStepU8(
    memory: ArrayBuffer,
    a8: number,
    at8: number,
    rows: number,
    cols: number,
    q: number,
    t: number,
    z: number,
    limbs: number,
    limbCount: number,
  ): void;
  /** The WebAssembly export's arguments after the memory's ArrayBuffer. */
  floorProduct(
    memory: ArrayBuffer,
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
  /** The WebAssembly export's arguments after the memory's ArrayBuffer. */
  dotRows(
    memory: ArrayBuffer,
    x: number,
    count: number,
    ldx: number,
    y: number,
    len: number,
    out: number,
  ): void;
  /** The WebAssembly export's arguments after the memory's ArrayBuffer. */
  subtractRows(
    memory: ArrayBuffer,
    x: number,
    count: number,
    ldx: number,
    coef: number,
    y: number,
    len: number,
  ): void;
  /** The WebAssembly export's arguments after the memory's ArrayBuffer. */
  gemmNN(
    memory: ArrayBuffer,
    b: number,
    m: number,
    k: number,
    ldb: number,
    v: number,
    n: number,
    ldv: number,
    c: number,
    ldc: number,
  ): void;
}

/** The kernels the addon replaces. */
export type NativeKernelName =
  'gramStepU8' | 'floorProduct' | 'dotRows' | 'subtractRows' | 'gemmNN';

interface Addon extends NativeKernels {
  /** Whether this CPU has AVX2 (the addon's kernels need it). */
  readonly avx2: boolean;
}

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
