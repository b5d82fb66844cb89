import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTiff } from '../src/tiff/index.js';
import { synthesizeImage } from '../src/synth.js';
import { cli, runCli as run } from './cli-run.js';

const root = mkdtempSync(join(tmpdir(), 'imageprocess-cli-'));

beforeAll(async () => {
  if (!existsSync(cli))
    throw new Error(`${cli} is missing: run \`npm run build -w imageprocess\` first.`);
  await writeTiff(join(root, 'good1.tif'), synthesizeImage({ width: 40, height: 30, seed: 1 }));
  await writeTiff(
    join(root, 'good2.tif'),
    synthesizeImage({ width: 24, height: 32, seed: 2, channels: 1 }),
  );
  const good = readFileSync(join(root, 'good1.tif'));
  writeFileSync(join(root, 'truncated.tif'), good.subarray(0, 600));
  writeFileSync(join(root, 'text.tif'), 'not a tiff at all\n');
  writeFileSync(join(root, 'a-file'), 'x');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('imageprocess CLI', () => {
  it('--help lists the commands', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const command of ['compress', 'generate', 'figure', 'demo'])
      expect(stdout).toContain(command);
    const compressHelp = await run(['compress', '--help']);
    expect(compressHelp.stdout).toMatch(/--rank <R>/);
    expect(compressHelp.stdout).toMatch(/--jobs <n>/);
    expect(compressHelp.stdout).toMatch(/--out <dir>/);
  });

  it('compresses the good files even when others fail, names each bad file, exits 1', async () => {
    const out = join(root, 'out-mixed');
    const files = ['good1.tif', 'missing.tif', 'text.tif', 'truncated.tif', 'good2.tif'].map((f) =>
      join(root, f),
    );
    const { code, stdout, stderr } = await run([
      'compress',
      '--rank',
      '5',
      '--jobs',
      '2',
      '--out',
      out,
      ...files,
    ]);
    expect(code).toBe(1);
    expect(readdirSync(out).sort()).toEqual(['good1_rank5.tif', 'good2_rank5.tif']);
    expect(stdout).toContain(join(out, 'good1_rank5.tif'));
    for (const bad of ['missing.tif', 'text.tif', 'truncated.tif']) {
      expect(stderr).toMatch(new RegExp(`error: .*${bad.replace('.', '\\.')}: `));
    }
    expect(stderr).toContain('3 of 5 file(s) failed');
  });

  it('reports a rank too large for one file with the valid range, the others written', async () => {
    const out = join(root, 'out-rank');
    const { code, stderr } = await run([
      'compress',
      '--rank',
      ' 28 ',
      '--out',
      out,
      join(root, 'good1.tif'),
      join(root, 'good2.tif'),
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/good2\.tif: .*valid ranks are 1 to 24/);
    expect(readdirSync(out)).toEqual(['good1_rank28.tif']);
  });

  it('--method exact with --timeout: a band ml-matrix never finishes fails alone, with advice', async () => {
    // Vertical stripes: every row the same. ml-matrix 6.15's SVD loops forever on this band.
    const width = 60;
    const height = 40;
    const data = new Uint8Array(width * height);
    for (let p = 0; p < data.length; p++) data[p] = p % 2 === 0 ? 200 : 10;
    const stripes = join(root, 'stripes.tif');
    await writeTiff(stripes, { width, height, channels: 1, bitsPerSample: 8, alpha: false, data });
    const out = join(root, 'out-exact');
    const { code, stderr } = await run([
      'compress',
      '--rank',
      '5',
      '--method',
      'exact',
      // The limit also covers a worker's start and its first import, which take over a second
      // on a loaded 2-core machine; the stripes band never finishes, whatever the limit.
      '--timeout',
      '5',
      '--jobs',
      '2',
      '--out',
      out,
      stripes,
      join(root, 'good1.tif'),
    ]);
    expect(code).toBe(1);
    expect(readdirSync(out)).toEqual(['good1_rank5.tif']);
    expect(stderr).toMatch(/stripes\.tif: .*timeout.*use --method auto/);
  });

  it('refuses a malformed rank before any work, exit 2', async () => {
    const { code, stderr } = await run([
      'compress',
      '--rank',
      '0',
      '--out',
      join(root, 'o0'),
      join(root, 'good1.tif'),
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/rank.*at least 1/);
    expect(existsSync(join(root, 'o0'))).toBe(false);
  });

  it('refuses a malformed image number with what was typed, exit 2', async () => {
    for (const imno of ['abc', '-1', '1.5']) {
      const { code, stderr } = await run(['figure', '--imno', imno, '--out', join(root, 'o-imno')]);
      expect(code).toBe(2);
      expect(stderr).toContain(`--imno must be an integer from 0, got '${imno}'`);
    }
    expect(existsSync(join(root, 'o-imno'))).toBe(false);
  });

  it('reports an output folder that cannot be written, exit 2', async () => {
    const { code, stderr } = await run([
      'compress',
      '--rank',
      '5',
      '--out',
      join(root, 'a-file', 'sub'),
      join(root, 'good1.tif'),
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot create the output folder .*a-file.*--out/);
  });

  it('generate, figure and demo run end to end on a small set', async () => {
    const images = join(root, 'set');
    const out = join(root, 'demo-out');
    const generated = await run([
      'generate',
      '--dir',
      images,
      '--count',
      '16',
      '--size',
      '64',
      '--jobs',
      '2',
    ]);
    expect(generated.code).toBe(0);
    expect(generated.stdout).toContain('16 image(s) generated');
    const again = await run(['generate', '--dir', images, '--count', '16', '--size', '64']);
    expect(again.stdout).toContain('0 image(s) generated, 16 intact');

    const figure = await run(['figure', '--dir', images, '--out', out]);
    expect(figure.code).toBe(0);
    const table = JSON.parse(readFileSync(join(out, 'figure0.json'), 'utf8')) as {
      rows: { rank: number | null; psnr: number | null; storageRatio: number }[];
    };
    const [, rank20, rank50] = table.rows;
    expect(rank20!.rank).toBe(20);
    expect(rank50!.psnr!).toBeGreaterThan(rank20!.psnr!);
    expect(rank20!.psnr!).toBeGreaterThan(10);
    expect(rank50!.storageRatio).toBeCloseTo((50 * (64 + 64 + 1)) / (64 * 64), 10);
    expect(figure.stdout).toContain('| rank 50 | 50 |');
    expect(existsSync(join(out, 'figure0.png'))).toBe(true);
    expect(existsSync(join(out, 'figure0.md'))).toBe(true);

    const demo = await run(['demo', '--dir', images, '--out', out, '--jobs', '2']);
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(
      /parallel: 16 images compressed at rank 50 in [\d.]+ s on 2 worker\(s\)/,
    );
    expect(demo.stdout).toContain('figure:');
    expect(readdirSync(out).filter((f) => /^compressed\d+_50\.tif$/.test(f))).toHaveLength(16);
  });

  it('demo names a missing image folder and how to fix it', async () => {
    const { code, stderr } = await run([
      'demo',
      '--dir',
      join(root, 'empty'),
      '--out',
      join(root, 'e-out'),
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /lacks 16 of the 16 demo images \(flower0\.tif, flower1\.tif, flower2\.tif, …\).*imageprocess generate --dir/,
    );
  });
});
