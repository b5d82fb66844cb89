// Agreement of compressImage (method auto, dist/: run `npm run build` first) with NumPy's full
// SVD, sample for sample: for each image and rank, the share of samples equal to NumPy's
// floored and clamped rebuild U_k S_k V_kᵀ and the largest difference. The images: every TIFF
// named on the command line, else the photos of ../shared/data/photos (and its extra/), plus four
// noise-heavy images this script makes with NumPy (fixed seed): white noise 512x512, Gaussian
// noise 600x400 (σ 40), low-contrast noise 700x300 (σ 6) and photo02 plus Gaussian noise of σ 40.
// The criterion of issue 12: at least 99.9 % equal and none more than 1 apart, everywhere.
//
//   node scripts/svd-agreement.mjs [--ranks 20,50,100] [PHOTO.tif...]
//
// Needs python3 with NumPy and Pillow. Prints one line per image and the worst case.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { ranks: { type: 'string', default: '20,50,100' } },
});
const ranks = values.ranks.split(',').map(Number);
const here = dirname(fileURLToPath(import.meta.url));
const { readTiff, compressImage } = await import(
  pathToFileURL(join(here, '..', 'dist', 'index.js')).href
);

const photos = join(here, '..', '..', '..', '..', 'shared', 'data', 'photos');
let images = positionals;
let noise = false;
if (images.length === 0) {
  if (!existsSync(photos)) {
    console.error(`svd-agreement: ${photos} is absent; name TIFF files on the command line.`);
    process.exit(2);
  }
  const list = (dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.tif'))
      .sort()
      .map((f) => join(dir, f));
  images = [
    ...list(photos),
    ...(existsSync(join(photos, 'extra')) ? list(join(photos, 'extra')) : []),
  ];
  noise = true;
}

const work = mkdtempSync(join(tmpdir(), 'svd-agreement-'));
const PYTHON = `
import json, os, sys
import numpy as np
from PIL import Image
work, ranks, images, noise = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4] == '1'
if noise:
    rng = np.random.default_rng(7)
    made = {
        'noise_white_512': rng.integers(0, 256, (512, 512, 3)),
        'noise_gauss_600x400': np.clip(np.round(128 + 40 * rng.standard_normal((400, 600, 3))), 0, 255),
        'noise_lowcontrast_700x300': np.clip(np.round(128 + 6 * rng.standard_normal((300, 700, 3))), 0, 255),
    }
    p2 = [p for p in images if os.path.basename(p).startswith('photo02')]
    if p2:
        im = np.asarray(Image.open(p2[0]).convert('RGB')).astype(float)
        made['photo02_noise40'] = np.clip(np.round(im + 40 * rng.standard_normal(im.shape)), 0, 255)
    for name, v in made.items():
        path = os.path.join(work, name + '.tif')
        Image.fromarray(v.astype(np.uint8)).save(path)
        images.append(path)
for i, path in enumerate(images):
    im = np.asarray(Image.open(path).convert('RGB')).astype(np.float64)
    outs = {r: np.zeros(im.shape, np.uint8) for r in ranks}
    for c in range(3):
        u, s, vt = np.linalg.svd(im[:, :, c], full_matrices=False)
        for r in ranks:
            outs[r][:, :, c] = np.clip(np.floor((u[:, :r] * s[:r]) @ vt[:r]), 0, 255)
    for r, o in outs.items():
        o.tofile(os.path.join(work, f'{i}_{r}.raw'))
print(json.dumps(images))
`;
const python = spawnSync(
  'python3',
  ['-c', PYTHON, work, JSON.stringify(ranks), JSON.stringify(images), noise ? '1' : '0'],
  { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' }, maxBuffer: 1 << 24 },
);
if (python.status !== 0) {
  console.error(`svd-agreement: python3 failed (needs NumPy and Pillow):\n${python.stderr}`);
  process.exit(1);
}
images = JSON.parse(python.stdout);

let worst = { share: 1, where: '' };
let worstMax = 0;
for (const [i, path] of images.entries()) {
  const image = await readTiff(path);
  if (image.channels !== 3 || image.bitsPerSample !== 8 || image.alpha) {
    console.log(`${path}: skipped (not 8-bit RGB)`);
    continue;
  }
  const cells = [];
  for (const r of ranks) {
    const want = readFileSync(join(work, `${i}_${r}.raw`));
    const got = compressImage(image, r).data;
    let equal = 0;
    let max = 0;
    for (let p = 0; p < want.length; p++) {
      const d = Math.abs(want[p] - got[p]);
      if (d === 0) equal++;
      max = Math.max(max, d);
    }
    const share = equal / want.length;
    cells.push(`rank ${r} ${(100 * share).toFixed(4)}% (max ${max})`);
    if (share < worst.share) worst = { share, where: `${path.split('/').pop()} at rank ${r}` };
    worstMax = Math.max(worstMax, max);
  }
  console.log(`${path.split('/').pop()} ${image.width}x${image.height}: ${cells.join(', ')}`);
}
rmSync(work, { recursive: true, force: true });
console.log(
  `worst: ${(100 * worst.share).toFixed(4)}% equal (${worst.where}); largest difference ${worstMax}`,
);
process.exitCode = worst.share >= 0.999 && worstMax <= 1 ? 0 : 1;
