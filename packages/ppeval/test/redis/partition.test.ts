import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { array, range } from 'ppeval';
import { gated } from '../fixtures/redis/gated.mjs';
import { makeMachines, netnsUnsupported, runsUnder, type Machine } from '../helpers/netns.js';
import { until } from '../helpers/processes.js';
import { countRuns, redisPool } from '../helpers/redis-pool.js';
import {
  hasRedisServer,
  skipNote,
  startRedis,
  type RedisServer,
  type WorkerProcess,
} from '../helpers/redis-server.js';

const unsupported = hasRedisServer ? netnsUnsupported() : skipNote;
if (unsupported !== undefined) {
  console.warn(`Network-partition drills SKIPPED: ${unsupported} (they need root and ip netns).`);
}

/** Short locks, so that a cut worker's batch moves on in about 1.5 s. */
const LOCK_MS = 1000;
const STALLED_MS = 500;

interface Run {
  readonly tag: string;
  readonly index: number;
  readonly pid: number;
  readonly at: number;
}

function runs(log: string): Run[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [tag, index, pid, at] = l.split(' ');
      return { tag: tag as string, index: Number(index), pid: Number(pid), at: Number(at) };
    });
}

// Many machines, simulated: three ppeval-workers, each in a network namespace of its own
// behind a veth pair; the caller and redis-server on the host. A cut is `ip link set down`.
describe.skipIf(unsupported !== undefined)('Redis backend across network partitions', () => {
  let machines: Machine[] = [];
  let redis: RedisServer | undefined;
  let workers: WorkerProcess[] = [];
  let dir: string;
  const queue = 'partition';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ppeval-partition-'));
    machines = makeMachines(3);
    redis = await startRedis({ bind: machines.map((m) => m.hostAddress) });
    const port = redis.port;
    const args = ['--queue', queue, '--concurrency', '1'];
    args.push('--lock-duration', String(LOCK_MS), '--stalled-interval', String(STALLED_MS));
    workers = machines.map((m) => m.startWorker(`redis://${m.hostAddress}:${port}`, args));
    await Promise.all(workers.map((w) => w.ready));
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()));
    await redis?.stop();
    for (const m of machines) m.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Which machine ran a logged run (its sandbox may be a thread or a child of the worker). */
  const machineOf = (pid: number): number =>
    workers.findIndex((w) => runsUnder(pid, w.proc.pid as number));

  it('completes a call across a 10 s cut of one worker, each result taken once', async () => {
    const pool = redisPool({ url: (redis as RedisServer).url, queue });
    const log = join(dir, 'heal.log');
    const gate = join(dir, 'heal.gate');
    const progress: number[] = [];
    try {
      // Elements from 12 on wait for the gate, opened after the heal: the call spans the cut.
      const call = pool.ppeval.with({ chunkSize: 1, onProgress: (done) => progress.push(done) })(
        gated,
        array(range(0, 24)),
        200,
        12,
        gate,
        log,
      );
      call.catch(() => {}); // awaited below, unless the test fails first
      expect(await until(() => runs(log).some((r) => machineOf(r.pid) === 0), 20_000)).toBe(true);
      machines[0]?.link(false);
      await new Promise((r) => setTimeout(r, 10_000));
      machines[0]?.link(true);
      const healedAt = Date.now();
      writeFileSync(gate, '');
      const out = await call;
      const afterHealMs = Date.now() - healedAt;
      expect(out).toEqual(range(0, 24).map((k) => k * 5));
      // Each element's result counted once, even where it ran twice.
      expect(progress.at(-1)).toBe(24);
      expect(Math.max(...progress)).toBe(24);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      const perElement = range(0, 24).map((k) => countRuns(log).get(k) ?? 0);
      expect(perElement.every((n) => n >= 1 && n <= 2)).toBe(true);
      console.info(
        `10 s cut of one worker: the call completed ${afterHealMs} ms after the heal; ` +
          `runs per element ${JSON.stringify(perElement)}`,
      );
    } finally {
      machines[0]?.link(true);
      await pool.close();
    }
  });

  it("moves a worker's batch to the others after about lockDuration + stalledInterval when its link is cut for good", async () => {
    const pool = redisPool({ url: (redis as RedisServer).url, queue });
    const log = join(dir, 'cut.log');
    try {
      const call = pool.ppeval.with({ chunkSize: 1 })(gated, array(range(0, 12)), 400, 99, '', log);
      call.catch(() => {}); // awaited below, unless the test fails first
      const onVictim = (): Run | undefined =>
        runs(log).find((r) => r.tag === 'start' && machineOf(r.pid) === 1);
      expect(await until(() => onVictim() !== undefined, 20_000)).toBe(true);
      machines[1]?.link(false);
      const cutAt = Date.now();
      const victim = onVictim() as Run;
      const out = await call;
      const doneMs = Date.now() - cutAt;
      expect(out).toEqual(range(0, 12).map((k) => k * 5));
      const again = runs(log).find(
        (r) => r.tag === 'start' && r.index === victim.index && machineOf(r.pid) !== 1,
      );
      expect(again).toBeDefined();
      const movedMs = (again as Run).at - cutAt;
      expect(movedMs).toBeLessThan(10_000);
      const perElement = range(0, 12).map((k) => countRuns(log).get(k) ?? 0);
      expect(perElement.every((n) => n >= 1)).toBe(true);
      console.info(
        `link cut for good: element ${victim.index} ran again on another worker ${movedMs} ms ` +
          `after the cut (lockDuration ${LOCK_MS} + stalledInterval ${STALLED_MS}); the call ` +
          `completed ${doneMs} ms after the cut; runs per element ${JSON.stringify(perElement)}`,
      );
    } finally {
      await pool.close();
      machines[1]?.link(true);
    }
  });
});
