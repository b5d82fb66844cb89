/**
 * The scaling chart: speedup against workers with the ideal line and reference points, drawn by
 * Vega-Lite and rendered to SVG headless by Vega (no browser, no canvas needed).
 */
import type { TopLevelSpec } from 'vega-lite';

/** One measured configuration: median speedup over the repetitions and its spread. */
export interface SpeedupPoint {
  /** Number of workers. */
  readonly workers: number;
  /** Median speedup against the serial loop. */
  readonly median: number;
  /** Lower end of the spread drawn as an error bar (e.g. the minimum). */
  readonly low: number;
  /** Upper end of the spread (e.g. the maximum). */
  readonly high: number;
}

/** A labelled point that is not ours: Star-P's published figure, the target. */
export interface ReferencePoint {
  /** Legend label, e.g. 'Star-P (8 Opterons)'. */
  readonly label: string;
  /** Worker (processor) count of the reference figure. */
  readonly workers: number;
  /** Its speedup, printed beside the point (e.g. 6.4 as `6.4x`). */
  readonly speedup: number;
}

/** What {@link renderSpeedupChart} draws. */
export interface SpeedupChartInput {
  /** Chart title. */
  readonly title: string;
  /** Lines under the title: the machine, the workload, points not measured and why. */
  readonly subtitle: readonly string[];
  /** Measured points (may be empty on a machine that measured nothing in parallel). */
  readonly points: readonly SpeedupPoint[];
  /** Reference points, drawn as labelled diamonds. */
  readonly references: readonly ReferencePoint[];
  /**
   * Worker counts the benchmark wanted but did not measure (more workers than cores): drawn as
   * grey crosses on the x axis labelled "not measured", never extrapolated.
   */
  readonly missing?: readonly number[];
  /** The x axis runs from 0 to this many workers (the ideal line too). */
  readonly maxWorkers: number;
  /** Legend label of the measured series. @default 'measured (median, min-max)' */
  readonly seriesLabel?: string;
}

/**
 * Build the Vega-Lite specification of the chart (exported so tests can check what is drawn
 * without parsing SVG).
 *
 * @example
 * const spec = speedupChartSpec({ title: 'x', subtitle: [], points: [], references: [], maxWorkers: 8 });
 */
export function speedupChartSpec(input: SpeedupChartInput): TopLevelSpec {
  const max = input.maxWorkers;
  if (!Number.isInteger(max) || max < 1) {
    throw new RangeError(
      `Expected maxWorkers to be an integer from 1 and up, got \`${String(max)}\` (${typeof max}).`,
    );
  }
  const series = input.seriesLabel ?? 'measured (median, min-max)';
  const missing = input.missing ?? [];
  const seriesNames = [
    'ideal (speedup = workers)',
    series,
    ...input.references.map((r) => r.label),
    ...(missing.length > 0 ? ['not measured (too few cores)'] : []),
  ];
  const colors = ['#9a9a9a', '#1f6fb4', '#d1495b', '#2e9e5b', '#b8860b', '#7b4ea3'];
  const range = seriesNames.map((name, i) =>
    name.startsWith('not measured') ? '#b0b0b0' : (colors[i % colors.length] as string),
  );
  const color = {
    field: 'series',
    type: 'nominal' as const,
    scale: { domain: seriesNames, range },
    legend: { title: null, orient: 'top-left' as const, labelLimit: 320 },
  };
  const x = {
    field: 'workers',
    type: 'quantitative' as const,
    title: 'workers',
    // Room right of the last tick for the points at maxWorkers and their labels.
    scale: { domain: [0, max * 1.1], nice: false },
    axis: {
      values: [0, 1, 2, 4, 8, 16, 32, 64].filter((v) => v <= max).concat(max > 64 ? [max] : []),
    },
  };
  // Room for every point, also a (noisy) speedup above the worker count.
  const top = Math.max(
    max,
    ...input.points.map((p) => p.high),
    ...input.references.map((r) => r.speedup),
  );
  const y = {
    type: 'quantitative' as const,
    title: 'speedup against the serial loop',
    scale: { domain: [0, top * 1.04], nice: false },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    // Headless Vega can only estimate text widths (no canvas) and overestimates them, so it
    // would truncate lines that fit: shorten long lines here instead.
    title: {
      text: input.title,
      subtitle: input.subtitle.map((line) => (line.length > 96 ? `${line.slice(0, 95)}…` : line)),
      anchor: 'start',
    },
    width: 480,
    height: 360,
    background: 'white',
    layer: [
      {
        data: { values: [0, max].map((w) => ({ workers: w, speedup: w, series: seriesNames[0] })) },
        mark: { type: 'line', strokeDash: [6, 4] },
        encoding: { x, y: { ...y, field: 'speedup' }, color },
      },
      {
        data: { values: input.points.map((p) => ({ ...p, series })) },
        mark: { type: 'rule', strokeWidth: 2 },
        encoding: { x, y: { ...y, field: 'low' }, y2: { field: 'high' }, color },
      },
      {
        data: { values: input.points.map((p) => ({ ...p, series })) },
        mark: { type: 'line', point: { filled: true, size: 60 } },
        encoding: { x, y: { ...y, field: 'median' }, color },
      },
      {
        data: { values: input.points.map((p) => ({ ...p, label: `${p.median.toFixed(2)}x` })) },
        mark: { type: 'text', dx: 8, dy: 10, align: 'left', fontSize: 11, color: colors[1] },
        encoding: { x, y: { ...y, field: 'median' }, text: { field: 'label' } },
      },
      {
        data: { values: input.references.map((r) => ({ ...r, series: r.label })) },
        mark: { type: 'point', shape: 'diamond', filled: true, size: 110 },
        encoding: { x, y: { ...y, field: 'speedup' }, color },
      },
      {
        data: {
          values: input.references.map((r) => ({ ...r, text: `${r.speedup}x` })),
        },
        // Right of the diamond, where the ideal line (which ends at maxWorkers) cannot cross it.
        mark: { type: 'text', dx: 9, align: 'left', fontSize: 11 },
        encoding: { x, y: { ...y, field: 'speedup' }, text: { field: 'text' } },
      },
      {
        data: {
          values: missing.map((w) => ({ workers: w, speedup: 0, series: seriesNames.at(-1) })),
        },
        mark: { type: 'point', shape: 'cross', filled: true, size: 90, clip: false },
        encoding: { x, y: { ...y, field: 'speedup' }, color },
      },
      {
        data: { values: missing.map((w) => ({ workers: w, speedup: 0 })) },
        mark: { type: 'text', dy: -12, fontSize: 10, color: '#808080', text: 'not measured' },
        encoding: { x, y: { ...y, field: 'speedup' } },
      },
    ],
  };
}

/**
 * Render the chart to a standalone SVG document.
 *
 * @example
 * const svg = await renderSpeedupChart({
 *   title: 'Speedup', subtitle: [], maxWorkers: 8,
 *   points: [{ workers: 2, median: 1.9, low: 1.85, high: 1.95 }],
 *   references: [{ label: 'Star-P', workers: 8, speedup: 6.4 }],
 * });
 */
export async function renderSpeedupChart(input: SpeedupChartInput): Promise<string> {
  // Loaded only now: Vega's modules would otherwise sit in the main thread's heap while the
  // serial loop is timed there, and every major GC would walk them.
  const [{ View, parse }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const vegaSpec = compile(speedupChartSpec(input)).spec;
  // renderer 'none': nothing is drawn to a DOM; toSVG builds the markup from the scenegraph.
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
