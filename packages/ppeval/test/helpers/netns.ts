/**
 * Simulated machines for the Redis drills: each worker in a network namespace of its own, linked
 * to the host by a veth pair, reaching redis-server at the host side's address. Cutting a link
 * (`ip link set <host side> down`) is a network partition for that worker alone. Needs root and
 * `ip`; {@link netnsUnsupported} says why not where they are missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { parentOf } from './processes.js';
import { packageRoot, watchWorker, workerBin, type WorkerProcess } from './redis-server.js';

function ip(...args: string[]): { ok: boolean; err: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return { ok: r.status === 0, err: `${r.stderr ?? ''}${r.error?.message ?? ''}`.trim() };
}

/** Why namespaces cannot be made here, or undefined when they can (checked once, by trying). */
export function netnsUnsupported(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  if (spawnSync('ip', ['-V']).status !== 0) return '`ip` (iproute2) is missing';
  const probe = `ppeval-probe-${process.pid}`;
  const added = ip('netns', 'add', probe);
  if (!added.ok) return `\`ip netns add\` failed: ${added.err}`;
  ip('netns', 'del', probe);
  return undefined;
}

/** One simulated machine. */
export interface Machine {
  readonly ns: string;
  /** The veth end on the host, the one a cut takes down. */
  readonly hostSide: string;
  /** The host side's address: redis-server listens there for this machine. */
  readonly hostAddress: string;
  /** Takes the link down (a partition) or up again. */
  link(up: boolean): void;
  /** Starts `ppeval-worker` inside the namespace. */
  startWorker(url: string, args: string[]): WorkerProcess;
  /** Deletes the namespace and its veth pair; safe to call twice. */
  remove(): void;
}

/** Makes `n` machines (namespaces, veth pairs, 10.X.i.0/24 subnets with a random X). */
export function makeMachines(n: number): Machine[] {
  const tag = randomInt(0, 0xffff).toString(16);
  const net = randomInt(100, 250);
  const machines: Machine[] = [];
  try {
    for (let i = 0; i < n; i++) machines.push(makeMachine(`pp${tag}${i}`, `10.${net}.${i}`));
  } catch (err) {
    for (const m of machines) m.remove();
    throw err;
  }
  return machines;
}

function makeMachine(name: string, subnet: string): Machine {
  const ns = `ppeval-${name}`;
  const hostSide = `${name}h`;
  const nsSide = `${name}n`;
  const hostAddress = `${subnet}.1`;
  const must = (...args: string[]): void => {
    const r = ip(...args);
    if (!r.ok) throw new Error(`ip ${args.join(' ')} failed: ${r.err}`);
  };
  const remove = (): void => {
    ip('netns', 'del', ns);
    ip('link', 'del', hostSide);
  };
  try {
    must('netns', 'add', ns);
    must('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide);
    must('link', 'set', nsSide, 'netns', ns);
    must('addr', 'add', `${hostAddress}/24`, 'dev', hostSide);
    must('link', 'set', hostSide, 'up');
    must('-n', ns, 'addr', 'add', `${subnet}.2/24`, 'dev', nsSide);
    must('-n', ns, 'link', 'set', nsSide, 'up');
    must('-n', ns, 'link', 'set', 'lo', 'up');
  } catch (err) {
    remove();
    throw err;
  }
  return {
    ns,
    hostSide,
    hostAddress,
    link: (up) => must('link', 'set', hostSide, up ? 'up' : 'down'),
    startWorker: (url, args) => spawnWorker(['netns', 'exec', ns], url, args),
    remove,
  };
}

/** `ip netns exec NS node ppeval-worker.js ...`: ip execs node, so the pid is the worker's. */
function spawnWorker(prefix: string[], url: string, args: string[]): WorkerProcess {
  const proc = spawn('ip', [...prefix, process.execPath, workerBin, '--redis', url, ...args], {
    cwd: packageRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watchWorker(proc);
}

/** Whether `pid` is `ancestor` or runs under it (a worker's sandbox thread or process). */
export function runsUnder(pid: number, ancestor: number): boolean {
  for (let p = pid, hops = 0; p > 1 && hops < 16; hops++) {
    if (p === ancestor) return true;
    const parent = parentOf(p);
    if (parent === undefined) return false;
    p = parent;
  }
  return false;
}
