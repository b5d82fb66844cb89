import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { describeMachine, formatMachine, usableCores } from '../src/machine.js';

describe('describeMachine', () => {
  it('describes the machine the process runs on', () => {
    const m = describeMachine();
    expect(m.cores).toBe(os.cpus().length);
    expect(m.availableParallelism).toBe(os.availableParallelism());
    expect(m.node).toBe(process.version);
    expect(m.totalMemoryBytes).toBe(os.totalmem());
    expect(Number.isNaN(Date.parse(m.date))).toBe(false);
    expect(m.cgroupCpuLimit === null || m.cgroupCpuLimit > 0).toBe(true);
  });
});

describe('formatMachine', () => {
  it('puts cores, memory, Node and load on one line, and a cgroup limit when there is one', () => {
    const m = {
      cpuModel: 'Test CPU',
      cores: 16,
      availableParallelism: 8,
      cgroupCpuLimit: 4,
      totalMemoryBytes: 64 * 2 ** 30,
      freeMemoryBytes: 0,
      loadAverage1m: 0.25,
      os: 'linux 6 x64',
      node: 'v20.0.0',
      v8: '11',
      date: '2026-01-01T00:00:00.000Z',
    };
    expect(formatMachine(m)).toBe(
      'Test CPU, 16 cores (8 available, cgroup limit 4 CPUs), 64.0 GiB, linux 6 x64, Node v20.0.0, load 0.25',
    );
    expect(formatMachine({ ...m, cgroupCpuLimit: null })).not.toContain('cgroup');
  });
});

describe('usableCores', () => {
  const m = { ...describeMachine(), availableParallelism: 16 };

  it('is the available parallelism without a cgroup quota', () => {
    expect(usableCores({ ...m, cgroupCpuLimit: null })).toBe(16);
  });

  it('is lowered to a cgroup quota, rounded down, never below 1', () => {
    expect(usableCores({ ...m, cgroupCpuLimit: 2.5 })).toBe(2);
    expect(usableCores({ ...m, cgroupCpuLimit: 0.5 })).toBe(1);
    expect(usableCores({ ...m, cgroupCpuLimit: 64 })).toBe(16);
  });
});
