/**
 * Synthetic photographs for the default data set and the tests.
 *
 * A rank-k SVD looks far better on smooth synthetic pictures than on photographs, whose singular
 * values have a long flat tail. So the synthesis follows what makes a photo a photo: occluding
 * objects of all sizes (a "dead leaves" model, whose power spectrum falls like 1/f^2 as natural
 * scenes do), shading across each object, fractal texture, a slow illumination field, a slight
 * lens blur and sensor noise.
 */
import { createRng } from './prng.js';
import type { Rng } from './prng.js';
import type { TiffImage } from './tiff/types.js';

/** Options of {@link synthesizeImage}. */
export interface SynthesizeOptions {
  /** Width in pixels (1 to 65535). */
  width: number;
  /** Height in pixels (1 to 65535). */
  height: number;
  /** Any 32-bit integer: the same seed gives the same pixels. */
  seed: number;
  /**
   * Samples per pixel: 1 gray, 2 gray + alpha, 3 RGB, 4 RGB + alpha.
   * @default 3
   */
  channels?: 1 | 2 | 3 | 4;
  /**
   * Bits per sample.
   * @default 8
   */
  bitsPerSample?: 8 | 16;
}

const OPTION_KEYS = new Set(['width', 'height', 'seed', 'channels', 'bitsPerSample']);

/**
 * Renders a deterministic photo-like image.
 *
 * With 2 or 4 channels the last one is an alpha channel (a soft mask), so the result can stand in
 * for every kind of image that compression must handle.
 *
 * @example
 * const image = synthesizeImage({ width: 256, height: 192, seed: 7, channels: 1 });
 * image.data.length; // 256 * 192
 */
export function synthesizeImage(options: SynthesizeOptions): TiffImage {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `Expected options such as { width: 256, height: 256, seed: 1 }, got ${String(options)} (${typeof options}).`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new TypeError(
        `Unknown option \`${key}\` of synthesizeImage; the known options are ${[...OPTION_KEYS].join(', ')}.`,
      );
    }
  }
  const { width, height, seed, channels = 3, bitsPerSample = 8 } = options;
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
      throw new RangeError(
        `Expected \`${name}\` to be an integer from 1 to 65535, got \`${String(value)}\` (${typeof value}).`,
      );
    }
  }
  if (!Number.isInteger(seed)) {
    throw new TypeError(
      `Expected \`seed\` to be an integer, got \`${String(seed)}\` (${typeof seed}).`,
    );
  }
  if (![1, 2, 3, 4].includes(channels)) {
    throw new RangeError(`Expected \`channels\` to be 1, 2, 3 or 4, got \`${String(channels)}\`.`);
  }
  if (bitsPerSample !== 8 && bitsPerSample !== 16) {
    throw new RangeError(
      `Expected \`bitsPerSample\` to be 8 or 16, got \`${String(bitsPerSample)}\`.`,
    );
  }

  const rng = createRng(seed);
  const alpha = channels === 2 || channels === 4;
  const colorBands = alpha ? channels - 1 : channels;
  const bands = renderScene(rng, width, height, colorBands);
  const maxValue = bitsPerSample === 8 ? 255 : 65535;
  const pixels = width * height;
  const data =
    bitsPerSample === 8 ? new Uint8Array(pixels * channels) : new Uint16Array(pixels * channels);
  for (let c = 0; c < colorBands; c++) {
    const band = bands[c]!;
    addSensorNoise(rng, band, 0.011);
    if (data instanceof Uint8Array) quantize(band, data, c, channels, 255);
    else quantize(band, data, c, channels, 65535);
  }
  if (alpha) {
    const mask = fractalNoise(rng, width, height, 4, 0.8);
    for (let p = 0; p < pixels; p++) {
      const value = (0.5 + 0.9 * mask[p]!) * maxValue;
      data[p * channels + channels - 1] =
        value <= 0 ? 0 : value >= maxValue ? maxValue : Math.round(value);
    }
  }
  return { width, height, channels, bitsPerSample, alpha, data };
}

/** Adds Gaussian noise of the given spread (Box-Muller, two deviates per draw pair). */
function addSensorNoise(rng: Rng, band: Float32Array, sigma: number): void {
  for (let p = 0; p < band.length; p += 2) {
    const radius = sigma * Math.sqrt(-2 * Math.log(1 - rng.next()));
    const angle = 2 * Math.PI * rng.next();
    band[p] = band[p]! + radius * Math.cos(angle);
    if (p + 1 < band.length) band[p + 1] = band[p + 1]! + radius * Math.sin(angle);
  }
}

/** Scales [0, 1] to the sample range, rounds and clamps into one channel of `data`. */
function quantize<T extends Uint8Array | Uint16Array>(
  band: Float32Array,
  data: T,
  channel: number,
  channels: number,
  maxValue: number,
): void {
  for (let p = 0, i = channel; p < band.length; p++, i += channels) {
    const value = band[p]! * maxValue;
    data[i] = value <= 0 ? 0 : value >= maxValue ? maxValue : Math.round(value);
  }
}

/** Renders `count` bands in [0, 1] (before sensor noise and quantization). */
function renderScene(rng: Rng, width: number, height: number, count: number): Float32Array[] {
  const pixels = width * height;
  const size = Math.min(width, height);
  // A few large objects in focus in front (the subject), then a scene of all sizes behind them,
  // thrown out of focus as a photograph's background is.
  const subjects = 4 + Math.floor(rng.next() * 10);
  const leaves = deadLeaves(rng, width, height, {
    subjects,
    subjectRadius: [size / 14, size / 4],
    minRadius: Math.max(1.5, size / 90),
    maxRadius: size / 2.5,
  });
  const defocus = Math.max(1, Math.round(size / 300));
  const texture = fractalNoise(rng, width, height, 2, 0.9);
  const illumination = fractalNoise(rng, width, height, Math.max(8, size / 8), 1);

  // A palette of a few dominant colours, as a real scene has, jittered per object.
  const palette: number[][] = [];
  const paletteSize = 3 + Math.floor(rng.next() * 4);
  for (let i = 0; i < paletteSize; i++) {
    const luminance = rng.uniform(0.15, 0.85);
    palette.push(Array.from({ length: count }, () => luminance + rng.uniform(-0.25, 0.25)));
  }
  const n = leaves.count;
  const colors = new Float32Array(n * count);
  const textureAmplitude = new Float32Array(n);
  const shadeX = new Float32Array(n);
  const shadeY = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const base = palette[Math.floor(rng.next() * paletteSize)]!;
    const jitter = rng.uniform(-0.12, 0.12);
    for (let c = 0; c < count; c++) {
      colors[i * count + c] = base[c]! + jitter + rng.uniform(-0.05, 0.05);
    }
    textureAmplitude[i] = rng.next() < 0.3 ? rng.uniform(0.1, 0.35) : rng.uniform(0, 0.08);
    const slope = rng.uniform(0, 0.25) / Math.max(1, leaves.radius[i]!);
    const angle = rng.uniform(0, 2 * Math.PI);
    shadeX[i] = slope * Math.cos(angle);
    shadeY[i] = slope * Math.sin(angle);
  }

  const bands: Float32Array[] = [];
  for (let c = 0; c < count; c++) {
    const band = new Float32Array(pixels);
    for (let y = 0, p = 0; y < height; y++) {
      for (let x = 0; x < width; x++, p++) {
        const id = leaves.ids[p]!;
        const shade =
          shadeX[id]! * (x - leaves.centerX[id]!) + shadeY[id]! * (y - leaves.centerY[id]!);
        const light = 0.75 + 0.35 * illumination[p]!;
        band[p] = light * (colors[id * count + c]! + shade) + textureAmplitude[id]! * texture[p]!;
      }
    }
    const background = band.slice();
    for (let pass = 0; pass < 3; pass++) boxBlur(background, width, height, defocus);
    for (let p = 0; p < pixels; p++) if (leaves.ids[p]! >= subjects) band[p] = background[p]!;
    blur121(band, width, height);
    bands.push(band);
  }
  return bands;
}

interface Leaves {
  /** Object id of every pixel. */
  ids: Int32Array;
  count: number;
  centerX: Float32Array;
  centerY: Float32Array;
  radius: Float32Array;
}

/**
 * The dead leaves model: ellipses with radii distributed as r^-3 between minRadius and
 * maxRadius, dropped front to back; each pixel shows the first ellipse that covers it. The
 * r^-3 law makes the picture scale-invariant, which gives the 1/f^2 power spectrum of photos.
 */
function deadLeaves(
  rng: Rng,
  width: number,
  height: number,
  shape: {
    /** Number of leaves in front whose radius is uniform in `subjectRadius`. */
    subjects: number;
    subjectRadius: readonly [number, number];
    minRadius: number;
    maxRadius: number;
  },
): Leaves {
  const { subjects, subjectRadius, minRadius, maxRadius } = shape;
  const pixels = width * height;
  const ids = new Int32Array(pixels).fill(-1);
  const maxLeaves = 60_000;
  const centerX = new Float32Array(maxLeaves + 1);
  const centerY = new Float32Array(maxLeaves + 1);
  const radius = new Float32Array(maxLeaves + 1);
  const lo = minRadius ** -2;
  const hi = Math.max(minRadius, maxRadius) ** -2;
  let covered = 0;
  let count = 0;
  while (covered < pixels && count < maxLeaves) {
    const front = count < subjects;
    const r = front
      ? rng.uniform(subjectRadius[0], subjectRadius[1])
      : (lo - rng.next() * (lo - hi)) ** -0.5;
    // Subjects stay inside the frame, as a photographer frames them.
    const cx = front ? rng.uniform(0.1 * width, 0.9 * width) : rng.uniform(-r, width + r);
    const cy = front ? rng.uniform(0.1 * height, 0.9 * height) : rng.uniform(-r, height + r);
    const aspect = rng.uniform(1, 2.5);
    const angle = rng.uniform(0, Math.PI);
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const invMajor2 = 1 / (r * r);
    const invMinor2 = (aspect * aspect) / (r * r);
    const id = count++;
    centerX[id] = cx;
    centerY[id] = cy;
    radius[id] = r;
    const x0 = Math.max(0, Math.floor(cx - r));
    const x1 = Math.min(width - 1, Math.ceil(cx + r));
    const y0 = Math.max(0, Math.floor(cy - r));
    const y1 = Math.min(height - 1, Math.ceil(cy + r));
    for (let y = y0; y <= y1; y++) {
      const dy = y - cy;
      for (let x = x0; x <= x1; x++) {
        const p = y * width + x;
        if (ids[p] !== -1) continue;
        const dx = x - cx;
        const u = dx * cos + dy * sin;
        const v = dy * cos - dx * sin;
        if (u * u * invMajor2 + v * v * invMinor2 <= 1) {
          ids[p] = id;
          covered++;
        }
      }
    }
  }
  if (covered < pixels) {
    // Whatever the leaves left uncovered shows one background object.
    const id = count++;
    centerX[id] = width / 2;
    centerY[id] = height / 2;
    radius[id] = Math.max(width, height);
    for (let p = 0; p < pixels; p++) if (ids[p] === -1) ids[p] = id;
  }
  return { ids, count, centerX, centerY, radius };
}

/**
 * Sums octaves of smoothly interpolated lattice noise from `minSpacing` pixels up to the image
 * size; octave amplitude grows as spacing^hurst (hurst 1 gives a 1/f^2 power spectrum). The
 * result has roughly unit spread around 0.
 */
function fractalNoise(
  rng: Rng,
  width: number,
  height: number,
  minSpacing: number,
  hurst: number,
): Float32Array {
  const out = new Float32Array(width * height);
  const maxSpacing = Math.max(width, height);
  let total = 0;
  for (let spacing = maxSpacing; spacing >= minSpacing; spacing /= 2) {
    const amplitude = (spacing / maxSpacing) ** hurst;
    total += amplitude * amplitude;
    addLatticeNoise(rng, out, width, height, spacing, amplitude);
  }
  const scale = 1 / Math.sqrt(total || 1);
  for (let p = 0; p < out.length; p++) out[p] = out[p]! * scale;
  return out;
}

function addLatticeNoise(
  rng: Rng,
  out: Float32Array,
  width: number,
  height: number,
  spacing: number,
  amplitude: number,
): void {
  const nx = Math.ceil(width / spacing) + 2;
  const ny = Math.ceil(height / spacing) + 2;
  const lattice = new Float32Array(nx * ny);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng.normal() * amplitude;
  // A random phase per octave keeps the lattices of different octaves from lining up.
  const offsetX = rng.next() * spacing;
  const offsetY = rng.next() * spacing;
  const column = new Int32Array(width);
  const weightX = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const g = (x + offsetX) / spacing;
    const i = Math.floor(g);
    const f = g - i;
    column[x] = i;
    weightX[x] = f * f * (3 - 2 * f);
  }
  for (let y = 0; y < height; y++) {
    const g = (y + offsetY) / spacing;
    const j = Math.floor(g);
    const f = g - j;
    const wy = f * f * (3 - 2 * f);
    const row0 = j * nx;
    const row1 = row0 + nx;
    const base = y * width;
    for (let x = 0; x < width; x++) {
      const i = column[x]!;
      const wx = weightX[x]!;
      const top = lattice[row0 + i]! + wx * (lattice[row0 + i + 1]! - lattice[row0 + i]!);
      const bottom = lattice[row1 + i]! + wx * (lattice[row1 + i + 1]! - lattice[row1 + i]!);
      out[base + x] = out[base + x]! + top + wy * (bottom - top);
    }
  }
}

/** In-place box blur of the given radius (three passes approximate a Gaussian). */
function boxBlur(band: Float32Array, width: number, height: number, radius: number): void {
  const scale = 1 / (2 * radius + 1);
  const clamp = (i: number, length: number): number => (i < 0 ? 0 : i >= length ? length - 1 : i);
  // Horizontal: one running sum per row; edges repeat the border sample.
  const line = new Float32Array(width);
  for (let y = 0; y < height; y++) {
    const base = y * width;
    line.set(band.subarray(base, base + width));
    let sum = 0;
    for (let i = -radius; i <= radius; i++) sum += line[clamp(i, width)]!;
    for (let x = 0; x < width; x++) {
      band[base + x] = sum * scale;
      sum += line[clamp(x + radius + 1, width)]! - line[clamp(x - radius, width)]!;
    }
  }
  // Vertical: running sums of whole rows, so memory is read row by row, not down columns.
  const source = band.slice();
  const sums = new Float32Array(width);
  for (let i = -radius; i <= radius; i++) {
    const row = clamp(i, height) * width;
    for (let x = 0; x < width; x++) sums[x] = sums[x]! + source[row + x]!;
  }
  for (let y = 0; y < height; y++) {
    const base = y * width;
    const add = clamp(y + radius + 1, height) * width;
    const drop = clamp(y - radius, height) * width;
    for (let x = 0; x < width; x++) {
      band[base + x] = sums[x]! * scale;
      sums[x] = sums[x]! + source[add + x]! - source[drop + x]!;
    }
  }
}

/** In-place separable [1 2 1]/4 blur: the slight softness of a real lens. */
function blur121(band: Float32Array, width: number, height: number): void {
  const row = new Float32Array(width);
  for (let y = 0; y < height; y++) {
    const base = y * width;
    for (let x = 0; x < width; x++) row[x] = band[base + x]!;
    for (let x = 0; x < width; x++) {
      const left = row[x > 0 ? x - 1 : x]!;
      const right = row[x < width - 1 ? x + 1 : x]!;
      band[base + x] = 0.25 * left + 0.5 * row[x]! + 0.25 * right;
    }
  }
  const col = new Float32Array(height);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) col[y] = band[y * width + x]!;
    for (let y = 0; y < height; y++) {
      const up = col[y > 0 ? y - 1 : y]!;
      const down = col[y < height - 1 ? y + 1 : y]!;
      band[y * width + x] = 0.25 * up + 0.5 * col[y]! + 0.25 * down;
    }
  }
}
