/**
 * The original demo's picture: the image, compress(imno, 20) and compress(imno, 50) side by side,
 * with PSNR and storage ratio per rank, as a PNG plus the table in Markdown and JSON.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { array, ppeval } from 'ppeval';
import { readTiff } from './tiff/index.js';
import type { TiffImage } from './tiff/index.js';
import { assertReadable, compress, psnr, storageRatio } from './compress.js';
import type { CompressOptions } from './compress.js';
import { drawText, textWidth } from './bitmap-font.js';
import { writeFileAtomically } from './atomic-write.js';
import { ImageprocessError, checkOptionKeys, describeValue } from './errors.js';
import { imageDir, outputDir } from './paths.js';
import { checkRankRange, parseRank } from './rank.js';

/** Options of {@link makeFigure}. */
export interface FigureOptions {
  /**
   * Image number of the `flower<imno>.tif` shown.
   * @default 0
   */
  imno?: number;
  /**
   * Ranks shown beside the original, in order.
   * @default [20, 50]
   */
  ranks?: readonly number[];
  /**
   * Folder of the inputs.
   * @default $IMAGEPROCESS_DIR, else the example's generated set
   */
  imageDir?: string;
  /**
   * Folder of the compressed TIFFs and, unless `output` says otherwise, of the figure.
   * @default $IMAGEPROCESS_OUT, else examples/imageprocess/out
   */
  outDir?: string;
  /**
   * Path of the PNG; the table goes beside it with the extensions .md and .json.
   * @default '<outDir>/figure<imno>.png'
   */
  output?: string;
  /**
   * Worker threads compressing the ranks in parallel; 1 runs them in this thread.
   * @default one per rank, at most os.availableParallelism()
   */
  concurrency?: number;
}

/** One row of the figure's table. */
export interface FigureRow {
  /** `'original'` or `'rank 20'`. */
  label: string;
  /** The rank, or null for the original. */
  rank: number | null;
  /** PSNR against the original in dB (Infinity for the original itself). */
  psnr: number;
  /** k(w+h+1)/(wh) per band; 1 for the original. */
  storageRatio: number;
  /** The TIFF shown in this panel. */
  file: string;
}

/** What {@link makeFigure} wrote. */
export interface FigureResult {
  /** The PNG. */
  png: string;
  /** The table as Markdown (printed by the CLI). */
  markdown: string;
  /** Path of the Markdown table beside the PNG. */
  markdownPath: string;
  /** Path of the JSON table beside the PNG. */
  jsonPath: string;
  rows: FigureRow[];
  width: number;
  height: number;
}

const OPTION_KEYS = ['imno', 'ranks', 'imageDir', 'outDir', 'output', 'concurrency'];
const GAP = 16;

/**
 * Draws the figure: runs `compress(imno, rank)` for every rank (in parallel, through ppeval),
 * reads the results back and writes the panels side by side as a PNG with a label over each,
 * plus the table of rank, PSNR and storage ratio as Markdown and JSON beside it.
 *
 * @example
 * const { png, markdown } = await makeFigure({ imno: 0, ranks: [20, 50] });
 */
export async function makeFigure(options?: FigureOptions): Promise<FigureResult> {
  checkOptionKeys('makeFigure', options, OPTION_KEYS);
  const imno = options?.imno ?? 0;
  if (!Number.isSafeInteger(imno) || imno < 0) {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_ARGUMENT',
      `Expected \`imno\` to be an integer from 0, got ${describeValue(imno)}.`,
    );
  }
  const rawRanks = options?.ranks ?? [20, 50];
  if (!Array.isArray(rawRanks) || rawRanks.length === 0) {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_ARGUMENT',
      `Expected \`ranks\` to be a non-empty array of ranks such as [20, 50], got ${describeValue(rawRanks)}.`,
    );
  }
  const ranks = rawRanks.map((rank) => parseRank(rank));
  const inDir = imageDir(options?.imageDir);
  const outDir = outputDir(options?.outDir);
  const png = resolve(options?.output ?? join(outDir, `figure${imno}.png`));
  const concurrency = options?.concurrency ?? ranks.length;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_ARGUMENT',
      `Expected \`concurrency\` to be an integer from 1, got ${describeValue(concurrency)}.`,
    );
  }

  await assertReadable(join(inDir, `flower${imno}.tif`));
  const original = await readTiff(join(inDir, `flower${imno}.tif`));
  for (const rank of ranks) {
    checkRankRange(rank, original.width, original.height, join(inDir, `flower${imno}.tif`));
  }
  const compressOptions: CompressOptions = { imageDir: inDir, outDir };
  if (concurrency === 1 || ranks.length === 1) {
    for (const rank of ranks) await compress(imno, rank, compressOptions);
  } else {
    await ppeval.with({ concurrency })(compress, imno, array(ranks), compressOptions);
  }
  const rows: FigureRow[] = [
    {
      label: 'original',
      rank: null,
      psnr: Infinity,
      storageRatio: 1,
      file: join(inDir, `flower${imno}.tif`),
    },
  ];
  const panels: TiffImage[] = [original];
  for (const rank of ranks) {
    const file = join(outDir, `compressed${imno}_${rank}.tif`);
    const image = await readTiff(file);
    panels.push(image);
    rows.push({
      label: `rank ${rank}`,
      rank,
      psnr: psnr(original, image),
      storageRatio: storageRatio(rank, original.width, original.height),
      file,
    });
  }

  const { data, width, height } = composePanels(panels, rows);
  const encoded = PNG.sync.write(
    Object.assign(new PNG({ width, height }), {
      data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    }),
  );
  const markdown = formatFigureTable(rows, original);
  const stem = png.replace(/\.png$/i, '');
  const markdownPath = `${stem}.md`;
  const jsonPath = `${stem}.json`;
  await mkdir(dirname(png), { recursive: true }).catch((error: unknown) => {
    throw new ImageprocessError(
      'ERR_IMAGEPROCESS_OUTPUT',
      `Cannot create the folder of the figure ${dirname(png)} (${(error as NodeJS.ErrnoException).code ?? String(error)}). Choose a writable output folder.`,
      { cause: error, path: dirname(png) },
    );
  });
  await writeFileAtomically(png, encoded);
  await writeFileAtomically(markdownPath, markdown);
  const json = {
    image: rows[0]!.file,
    width: original.width,
    height: original.height,
    rows: rows.map((row) => ({ ...row, psnr: Number.isFinite(row.psnr) ? row.psnr : null })),
  };
  await writeFileAtomically(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  return { png, markdown, markdownPath, jsonPath, rows, width, height };
}

/**
 * The figure's table as Markdown: one row per panel with rank, PSNR (dB) and storage ratio.
 *
 * @example
 * formatFigureTable(result.rows, original);
 */
export function formatFigureTable(rows: readonly FigureRow[], image: TiffImage): string {
  const lines = [
    `Image ${image.width}x${image.height}, ${image.channels} channel(s), ${image.bitsPerSample}-bit`,
    '',
    '| panel | rank | PSNR (dB) | storage ratio k(w+h+1)/(wh) |',
    '|---|---:|---:|---:|',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.label} | ${row.rank ?? '-'} | ${Number.isFinite(row.psnr) ? row.psnr.toFixed(2) : 'inf'} | ${row.storageRatio.toFixed(4)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Lays the panels out left to right on white, each under a label, as 8-bit RGBA. */
function composePanels(
  panels: readonly TiffImage[],
  rows: readonly FigureRow[],
): { data: Uint8Array; width: number; height: number } {
  const first = panels[0]!;
  const scale = Math.max(1, Math.round(first.width / 300));
  const labelHeight = 7 * scale + 2 * GAP;
  const width = panels.length * first.width + (panels.length + 1) * GAP;
  const height = first.height + labelHeight + GAP;
  const rgba = new Uint8Array(width * height * 4).fill(255);
  panels.forEach((panel, n) => {
    const x0 = GAP + n * (first.width + GAP);
    const y0 = labelHeight;
    blit(rgba, width, panel, x0, y0);
    const row = rows[n]!;
    const label =
      row.rank === null
        ? `original ${panel.width}x${panel.height}`
        : `rank ${row.rank}  PSNR ${row.psnr.toFixed(1)} dB  storage ${(100 * row.storageRatio).toFixed(1)}%`;
    const labelScale = textWidth(label, scale) <= panel.width ? scale : Math.max(1, scale - 1);
    drawText(rgba, width, height, label, x0, GAP, labelScale, [0, 0, 0]);
  });
  return { data: rgba, width, height };
}

/** Copies an image into the RGBA canvas: gray is replicated, 16-bit keeps its high byte, alpha
 * is composited over the white background. */
function blit(
  rgba: Uint8Array,
  canvasWidth: number,
  image: TiffImage,
  x0: number,
  y0: number,
): void {
  const { width, height, channels, bitsPerSample, alpha, data } = image;
  const shift = bitsPerSample === 16 ? 8 : 0;
  const colorBands = alpha ? channels - 1 : channels;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * channels;
      const d = ((y0 + y) * canvasWidth + x0 + x) * 4;
      const a = alpha ? (data[s + channels - 1]! >> shift) / 255 : 1;
      for (let c = 0; c < 3; c++) {
        const v = data[s + (colorBands === 1 ? 0 : c)]! >> shift;
        rgba[d + c] = Math.round(v * a + 255 * (1 - a));
      }
      rgba[d + 3] = 255;
    }
  }
}
