// Compiles native/svd-native.c (the SVD's hottest kernels in 256-bit AVX2, on the WebAssembly
// heap) into build/svd-native.node, a Node-API addon, with the machine's C compiler and the
// headers of the Node running this script. Optional by design: on other platforms or CPUs, or
// without a compiler or headers, it says why and exits 0, and the WebAssembly kernels run
// alone (same results, bit for bit). Node-API is ABI-stable, so one build serves every Node
// version from 20 on. Set IMAGEPROCESS_NATIVE_BUILD=0 to skip it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'svd-native.c');
const target = join(root, 'build', 'svd-native.node');

function skip(reason) {
  // A stale addon from an earlier build would be loaded with this source's promises: remove it.
  rmSync(target, { force: true });
  console.log(`build-native: skipped (${reason}); the WebAssembly kernels run alone.`);
  process.exit(0);
}

if (process.env.IMAGEPROCESS_NATIVE_BUILD === '0') skip('IMAGEPROCESS_NATIVE_BUILD=0');
if (process.arch !== 'x64') skip(`the AVX2 kernels are for x64, this is ${process.arch}`);
if (process.platform !== 'linux' && process.platform !== 'darwin') {
  skip(`no build recipe for ${process.platform}`);
}

// Node's headers: next to the binary (official tarballs, Debian's /usr/include/node) or where
// npm is told they are.
const candidates = [
  join(dirname(process.execPath), '..', 'include', 'node'),
  ...(process.env.npm_config_nodedir
    ? [join(process.env.npm_config_nodedir, 'include', 'node')]
    : []),
];
const include = candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
if (!include) skip(`no node_api.h in ${candidates.join(' or ')}`);

if (existsSync(target) && statSync(target).mtimeMs > statSync(source).mtimeMs) {
  process.exit(0); // up to date
}

const compiler = process.env.CC || 'cc';
// -ffp-contract=off: no fused multiply-add, so the float64 operations round as the
// WebAssembly's do; -O3 unrolls the register tiles (at -O2 they stayed arrays in memory).
const args = [
  '-O3',
  '-std=c11',
  '-fPIC',
  '-shared',
  '-ffp-contract=off',
  '-fvisibility=hidden',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-I',
  include,
  source,
  '-o',
  target,
  '-lm',
  ...(process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : []),
];
mkdirSync(dirname(target), { recursive: true });
const run = spawnSync(compiler, args, { encoding: 'utf8' });
if (run.error) skip(`no C compiler: ${compiler} ${run.error.message}`);
if (run.status !== 0) {
  process.stderr.write(run.stderr);
  skip(`${compiler} failed on ${relative(root, source)} (status ${run.status})`);
}
console.log(`build-native: ${relative(root, target)} (${statSync(target).size} bytes)`);
