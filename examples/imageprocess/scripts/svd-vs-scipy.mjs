// Side-by-side timing, file to file and one thread: compressFile (dist/, run `npm run build`
// first) against SciPy's scipy.sparse.linalg.svds with both solvers (PROPACK, ARPACK), Pillow
// reading and writing the TIFF, OpenBLAS on one thread. The runs are interleaved (ours, PROPACK,
// ARPACK, round after round, after one warm-up each) so that on a shared machine both sides draw
// from the same stretch of time; it prints medians, the ratio to the faster SciPy solver and the
// load average, which on a shared machine is part of the result.
//
//   node scripts/svd-vs-scipy.mjs [--rounds 3] [--ranks 20,50,100] PHOTO.tif...
//
// Not a benchmark of the repository's suite (that is `npm run bench -- svd`): a quick check
// while working on the SVD. Needs python3 with NumPy, SciPy and Pillow.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '3' },
    ranks: { type: 'string', default: '20,50,100' },
  },
});
if (positionals.length === 0) {
  console.error(
    'usage: node scripts/svd-vs-scipy.mjs [--rounds N] [--ranks 20,50,100] PHOTO.tif...',
  );
  process.exit(2);
}
const rounds = Number(values.rounds);
const ranks = values.ranks.split(',').map(Number);
const { compressFile } = await import(
  pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js')).href
);

const PYTHON = `
import json, sys, time
import numpy as np
from PIL import Image
from scipy.sparse.linalg import svds
for line in sys.stdin:
    r = json.loads(line)
    t0 = time.perf_counter()
    im = np.asarray(Image.open(r['path']).convert('RGB')).astype(np.float64)
    bands = []
    for c in range(3):
        # svds on a strided view is several times slower: give it a contiguous band.
        u, s, vt = svds(np.ascontiguousarray(im[:, :, c]), k=r['k'], solver=r['solver'], random_state=0)
        bands.append(np.clip(np.floor((u * s) @ vt), 0, 255).astype(np.uint8))
    Image.fromarray(np.stack(bands, axis=2)).save(r['out'])
    print(json.dumps({'t': time.perf_counter() - t0}), flush=True)
`;
const python = spawn('python3', ['-c', PYTHON], {
  env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
  stdio: ['pipe', 'pipe', 'inherit'],
});
const replies = createInterface({ input: python.stdout })[Symbol.asyncIterator]();
const out = (name) => join(tmpdir(), `svd-vs-scipy-${process.pid}-${name}.tif`);

async function scipy(path, k, solver) {
  python.stdin.write(`${JSON.stringify({ path, k, solver, out: out(solver) })}\n`);
  const reply = await replies.next();
  if (reply.done) throw new Error('python3 exited: is SciPy with PROPACK installed?');
  return JSON.parse(reply.value).t;
}
async function ours(path, k) {
  const t0 = performance.now();
  await compressFile(path, out('ours'), k);
  return (performance.now() - t0) / 1000;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

console.log(`${rounds} rounds, medians in seconds; ratio = ours / faster SciPy solver`);
for (const path of positionals) {
  for (const k of ranks) {
    const before = load();
    await ours(path, k);
    await scipy(path, k, 'propack');
    await scipy(path, k, 'arpack');
    const t = { ours: [], propack: [], arpack: [] };
    for (let r = 0; r < rounds; r++) {
      t.ours.push(await ours(path, k));
      t.propack.push(await scipy(path, k, 'propack'));
      t.arpack.push(await scipy(path, k, 'arpack'));
    }
    const [o, p, a] = [median(t.ours), median(t.propack), median(t.arpack)];
    console.log(
      `${path.split('/').pop()} rank ${k}: ours ${o.toFixed(3)}, PROPACK ${p.toFixed(3)}, ARPACK ${a.toFixed(3)}, ratio ${(o / Math.min(p, a)).toFixed(2)} (load ${before} -> ${load()})`,
    );
  }
}
python.stdin.end();
