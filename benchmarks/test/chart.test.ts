import { describe, expect, it } from 'vitest';
import { renderSpeedupChart, speedupChartSpec } from '../src/chart.js';

const input = {
  title: 'Speedup',
  subtitle: ['a test machine'],
  maxWorkers: 8,
  points: [
    { workers: 1, median: 0.97, low: 0.95, high: 0.99 },
    { workers: 2, median: 1.9, low: 1.85, high: 1.95 },
  ],
  references: [{ label: 'Star-P', workers: 8, speedup: 6.4 }],
  missing: [4, 8],
};

describe('speedupChartSpec', () => {
  it('draws the ideal line to maxWorkers, the measured points, the references and the missing points', () => {
    const spec = speedupChartSpec(input) as unknown as {
      layer: { data: { values: Record<string, unknown>[] } }[];
    };
    const values = spec.layer.map((l) => l.data.values);
    expect(values[0]).toEqual([
      expect.objectContaining({ workers: 0, speedup: 0 }),
      expect.objectContaining({ workers: 8, speedup: 8 }),
    ]);
    expect(values.flat()).toContainEqual(expect.objectContaining({ workers: 2, median: 1.9 }));
    expect(values.flat()).toContainEqual(
      expect.objectContaining({ label: 'Star-P', speedup: 6.4 }),
    );
    expect(values.flat().filter((v) => v['speedup'] === 0 && v['workers'] === 8)).not.toEqual([]);
  });

  it('refuses a maxWorkers that is not a positive integer', () => {
    expect(() => speedupChartSpec({ ...input, maxWorkers: 0 })).toThrow(/maxWorkers.*got `0`/);
  });
});

describe('renderSpeedupChart', () => {
  it('renders a standalone SVG with the labels', async () => {
    const svg = await renderSpeedupChart(input);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('6.4x');
    expect(svg).toContain('Star-P');
    expect(svg).toContain('1.90x');
    expect(svg).toContain('not measured');
    expect(svg).toContain('a test machine');
  });
});

describe('speedupChartSpec y axis', () => {
  it('reaches above the highest point, so that nothing is clipped', () => {
    const spec = speedupChartSpec({
      ...input,
      points: [{ workers: 2, median: 9, low: 8, high: 12 }],
    }) as unknown as { layer: { encoding: { y?: { scale?: { domain: number[] } } } }[] };
    const top = spec.layer[0]?.encoding.y?.scale?.domain[1] ?? 0;
    expect(top).toBeGreaterThanOrEqual(12);
  });
});
