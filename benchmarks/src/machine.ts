/**
 * The description of the machine a result was measured on, stored beside every result: a
 * speedup means little without the cores, the CPU and what else was running.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** What results/<name>.json records about the machine and the moment. */
export interface MachineInfo {
  /** CPU model as the OS reports it (the first core's). */
  readonly cpuModel: string;
  /** Logical cores the OS reports (os.cpus().length). */
  readonly cores: number;
  /**
   * Cores this process may use (os.availableParallelism(): honours CPU affinity). The scaling
   * benchmark measures worker counts up to this number.
   */
  readonly availableParallelism: number;
  /** A cgroup CPU limit (cpu.max quota / period) when one is set, else null. */
  readonly cgroupCpuLimit: number | null;
  /** Total memory in bytes. */
  readonly totalMemoryBytes: number;
  /** Free memory in bytes when the run started. */
  readonly freeMemoryBytes: number;
  /** 1-minute load average when the run started: above ~0.5 per core, others were using the CPU. */
  readonly loadAverage1m: number;
  /** `${platform} ${release} ${arch}`. */
  readonly os: string;
  /** process.version. */
  readonly node: string;
  /** V8's version. */
  readonly v8: string;
  /** ISO 8601 time the description was taken. */
  readonly date: string;
}

function readCgroupCpuLimit(): number | null {
  const ratio = (quota: number, period: number): number | null =>
    Number.isFinite(quota) && Number.isFinite(period) && quota > 0 && period > 0
      ? quota / period
      : null;
  try {
    // cgroup v2: "max 100000" (no limit) or "<quota> <period>".
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    if (quota === undefined || period === undefined || quota === 'max') return null;
    return ratio(Number(quota), Number(period));
  } catch {
    // Not cgroup v2: try v1 below.
  }
  try {
    // cgroup v1: a quota of -1 means no limit.
    const quota = Number(readFileSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us', 'utf8'));
    const period = Number(readFileSync('/sys/fs/cgroup/cpu/cpu.cfs_period_us', 'utf8'));
    return ratio(quota, period);
  } catch {
    // Not Linux, or no access: no limit we can see.
    return null;
  }
}

/**
 * Describe this machine now.
 *
 * @example
 * const m = describeMachine();
 * console.log(`${m.cpuModel}, ${m.availableParallelism} cores, Node ${m.node}`);
 */
export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    availableParallelism: os.availableParallelism(),
    cgroupCpuLimit: readCgroupCpuLimit(),
    totalMemoryBytes: os.totalmem(),
    freeMemoryBytes: os.freemem(),
    loadAverage1m: os.loadavg()[0] ?? 0,
    os: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    date: new Date().toISOString(),
  };
}

/**
 * One line for the top of a report.
 *
 * @example
 * formatMachine(describeMachine()); // "AMD EPYC, 2 cores (2 available), 7.8 GiB, linux ..., Node v20.20.2, load 0.31"
 */
export function formatMachine(m: MachineInfo): string {
  const gib = (m.totalMemoryBytes / 2 ** 30).toFixed(1);
  const limit = m.cgroupCpuLimit === null ? '' : `, cgroup limit ${m.cgroupCpuLimit} CPUs`;
  return (
    `${m.cpuModel}, ${m.cores} cores (${m.availableParallelism} available${limit}), ${gib} GiB, ` +
    `${m.os}, Node ${m.node}, load ${m.loadAverage1m.toFixed(2)}`
  );
}

/**
 * Cores this process can really keep busy: os.availableParallelism() (CPU affinity), lowered to
 * a cgroup CPU quota when one is set (a container limited to 2 CPUs on a 16-core host has 2,
 * which Node 20's availableParallelism does not see).
 *
 * @example
 * usableCores({ ...describeMachine(), availableParallelism: 16, cgroupCpuLimit: 2.5 }); // 2
 */
export function usableCores(m: MachineInfo): number {
  const quota = m.cgroupCpuLimit === null ? Infinity : Math.max(1, Math.floor(m.cgroupCpuLimit));
  return Math.min(m.availableParallelism, quota);
}
