import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parse as acornParse } from 'acorn';
import { parse as babelParse } from '@babel/parser';

import { PpevalArgumentError, TaskError, array, createPool, type Pool } from 'ppeval';
import { redisPool } from '../helpers/redis-pool.js';
import {
  hasRedisServer,
  skipNote,
  startRedis,
  startWorker,
  type RedisServer,
  type WorkerProcess,
} from '../helpers/redis-server.js';
import {
  bufferText,
  identity,
  isBuffer,
  makeBuffer,
  makeError,
  makeGenerator,
  makeNullProto,
  makeProxy,
  nestDeep,
} from '../fixtures/runtime/values.mjs';

// The value contract: ppeval(f, xs) gives what xs.map(f) gives, classes included, or refuses
// clearly (arguments: PpevalArgumentError before work starts; results: TaskError at the index).
const pools = {
  threads: createPool({ concurrency: 2 }),
  processes: createPool({ concurrency: 2, runtime: 'processes' }),
};
afterAll(() => Promise.all(Object.values(pools).map((p) => p.close())));

/** Deep equality that also compares prototypes, -0/NaN (Object.is) and sparse holes. */
function strictEqual(
  a: unknown,
  b: unknown,
  path = '',
  seen = new Map<object, object>(),
): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return `${path}: ${String(a)} !== ${String(b)}`;
  }
  if (seen.get(a) === b) return undefined;
  seen.set(a, b);
  // An Error subclass's class lives in the worker's module: it comes back as the nearest
  // built-in class with the subclass's name (checked below), as thrown errors do.
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b) && !(a instanceof Error)) {
    return `${path}: prototypes differ`;
  }
  if (ArrayBuffer.isView(a) || a instanceof ArrayBuffer) {
    const bytes = (v: object): number[] =>
      v instanceof ArrayBuffer
        ? [...new Uint8Array(v)]
        : [
            ...new Uint8Array(
              (v as ArrayBufferView).buffer,
              (v as ArrayBufferView).byteOffset,
              (v as ArrayBufferView).byteLength,
            ),
          ];
    return String(bytes(a)) === String(bytes(b)) ? undefined : `${path}: bytes differ`;
  }
  if (a instanceof Date)
    return a.getTime() === (b as Date).getTime() ? undefined : `${path}: dates`;
  if (a instanceof RegExp) return String(a) === String(b) ? undefined : `${path}: regexps`;
  if (a instanceof Map || a instanceof Set) {
    return strictEqual([...a], [...(b as Map<unknown, unknown>)], `${path}<entries>`, seen);
  }
  if (a instanceof Error) {
    const e = b as Error;
    for (const key of ['name', 'message', 'stack'] as const) {
      if (a[key] !== e[key]) return `${path}.${key}: ${a[key]} !== ${e[key]}`;
    }
    const cause = strictEqual(a.cause, e.cause, `${path}.cause`, seen);
    if (cause) return cause;
  }
  if (typeof (a as { valueOf?: unknown }).valueOf === 'function' && !Array.isArray(a)) {
    const va: unknown = (a as { valueOf(): unknown }).valueOf();
    if (va !== a && !Object.is(va, (b as { valueOf(): unknown }).valueOf()))
      return `${path}: boxed`;
  }
  const ka = Reflect.ownKeys(a).filter((k) => k !== 'stack');
  const kb = Reflect.ownKeys(b).filter((k) => k !== 'stack');
  if (String(ka) !== String(kb)) return `${path}: keys ${String(ka)} vs ${String(kb)}`;
  for (const k of ka) {
    const found = strictEqual(
      (a as Record<PropertyKey, unknown>)[k],
      (b as Record<PropertyKey, unknown>)[k],
      `${path}.${String(k)}`,
      seen,
    );
    if (found) return found;
  }
  return undefined;
}

function corpus(): unknown[] {
  const cyclic: Record<string, unknown> = { name: 'cycle' };
  cyclic['self'] = cyclic;
  const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
  const nullProto = Object.assign(Object.create(null) as object, { a: 1, nested: { b: 2 } });
  const withProps = Object.assign(new RangeError('out', { cause: new Error('inner') }), {
    code: 'E_OUT',
    detail: { at: 3 },
  });
  class ParseError extends SyntaxError {
    override name = 'ParseError';
  }
  const sub = Object.assign(new ParseError('bad token'), { pos: 7 });
  let deep: unknown = 'bottom';
  for (let i = 0; i < 500; i++) deep = { d: deep };
  const buf = Buffer.from('hi');
  return [
    0,
    -0,
    NaN,
    Infinity,
    1n,
    -(2n ** 70n),
    'text',
    '',
    true,
    null,
    undefined,
    buf,
    [buf, buf],
    { inner: Buffer.from([1, 2, 3]) },
    new Int8Array([1, -1]),
    new Uint8Array([1, 2]),
    new Uint8ClampedArray([255]),
    new Int16Array([-3]),
    new Uint16Array([3]),
    new Int32Array([-5]),
    new Uint32Array([5]),
    new Float32Array([1.5]),
    new Float64Array([Math.PI]),
    new BigInt64Array([-1n]),
    new BigUint64Array([1n]),
    new DataView(new ArrayBuffer(4)),
    new ArrayBuffer(3),
    new Map<unknown, unknown>([
      [1, 'a'],
      ['k', { v: buf }],
    ]),
    new Set([1, 'a', buf]),
    new Date(0),
    /ab+c/gi,
    sparse,
    nullProto,
    [nullProto],
    new Error('plain', { cause: 'why' }),
    withProps,
    sub,
    cyclic,
    deep,
    Object(5),
    Object('s'),
    Object(false),
  ];
}

for (const [runtime, p] of Object.entries(pools)) valueSuite(runtime, () => p);

if (!hasRedisServer) console.warn(skipNote);
describe.skipIf(!hasRedisServer)('values on redis', () => {
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];
  let pool: Pool;
  beforeAll(async () => {
    redis = await startRedis();
    workers = [0, 1].map(() => startWorker(redis.url, ['--concurrency', '2']));
    await Promise.all(workers.map((w) => w.ready));
    pool = redisPool({ url: redis.url });
  });
  afterAll(async () => {
    await pool?.close();
    await Promise.all(workers.map((w) => w.kill()));
    await redis?.stop();
  });
  valueSuite('redis workers', () => pool);
});

function valueSuite(runtime: string, getPool: () => Pool): void {
  describe(`values on ${runtime}`, () => {
    let pool: Pool;
    beforeAll(() => {
      pool = getPool();
    });
    it('gives what the serial map gives, classes included (identity over a corpus)', async () => {
      const xs = corpus();
      const serial = xs.map((x) => identity(x));
      const parallel = await pool.ppeval.with({ chunkSize: 3 })(identity, array(xs));
      for (let i = 0; i < xs.length; i++) {
        expect(strictEqual(serial[i], parallel[i], `[${i}]`)).toBeUndefined();
      }
    });

    it('gives the corpus whole as a broadcast argument', async () => {
      const xs = corpus();
      const [got] = await pool.ppeval(identity, xs, array([0]));
      expect(strictEqual(xs, got, 'broadcast')).toBeUndefined();
    });

    it('keeps a Buffer a Buffer as element, broadcast and result', async () => {
      const [gz] = await pool.ppeval(gzipSync, array([Buffer.from('hi')]));
      expect(Buffer.isBuffer(gz)).toBe(true);
      expect(gz!.equals(gzipSync(Buffer.from('hi')))).toBe(true);
      expect(await pool.ppeval(bufferText, array([Buffer.from('hi')]))).toEqual(['hi']);
      expect(await pool.ppeval(bufferText, array([Buffer.from('a')]), Buffer.from('b'))).toEqual([
        'ab',
      ]);
      expect(await pool.ppeval(isBuffer, array([Buffer.from('x'), new Uint8Array(1)]))).toEqual([
        true,
        false,
      ]);
      // Over 64 KiB: the file broadcast on processes.
      const [big] = await pool.ppeval(
        bufferText,
        array([Buffer.from('a')]),
        Buffer.alloc(70_000, 'b'),
      );
      expect(big).toBe('a' + 'b'.repeat(70_000));
      const [made] = await pool.ppeval(makeBuffer, array(['hi']));
      expect(made!.toString()).toBe('hi');
    });

    it('fails a result nested too deep at its element, without a hang or a crash', async () => {
      const outcomes = await pool.ppeval.with({ settle: true })(nestDeep, array([3, 2000]));
      expect(outcomes[0]).toEqual({ status: 'fulfilled', value: { a: { a: { a: 1 } } } });
      const failed = outcomes[1] as PromiseRejectedResult;
      expect(failed.reason).toBeInstanceOf(TaskError);
      expect(String(failed.reason.message)).toMatch(/returned .*cannot go back to the caller/);
      expect(String(failed.reason.message)).toMatch(/nested more than 1000 levels/);
    });

    it('refuses arguments nested too deep before work starts, naming argument and path', async () => {
      const deep = nestDeep(2000);
      await expect(pool.ppeval(identity, array([1, deep]))).rejects.toThrow(
        /Element 1 of argument 1 .*`(\.a)+\.\.\.(\.a)+` is nested more than 1000 levels/,
      );
      await expect(
        pool.ppeval(bufferText, array([Buffer.from('')]), deep as string),
      ).rejects.toThrow(PpevalArgumentError);
    });

    it('fails a returned Proxy at its element; refuses a Proxy argument', async () => {
      await expect(pool.ppeval(makeProxy, array([1]))).rejects.toThrow(
        /returned a value that cannot go back to the caller: it is a Proxy/,
      );
      await expect(pool.ppeval(identity, array([new Proxy({}, {})]))).rejects.toThrow(
        PpevalArgumentError,
      );
      await expect(
        pool.ppeval(bufferText, array([Buffer.from('')]), { p: new Proxy({}, {}) } as never),
      ).rejects.toThrow(/Argument 2 .*`\.p` is a Proxy/);
    });

    it('refuses a getter that throws during the check, naming the path', async () => {
      const tricky = {
        get boom(): never {
          throw new Error('user getter');
        },
      };
      const error = await pool.ppeval(identity, array([{ x: tricky }])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PpevalArgumentError);
      expect((error as Error).message).toMatch(/`\.x\.boom` threw Error: user getter when read/);
    });

    it('keeps a returned Error subclass: class name, message, stack, code, own properties', async () => {
      const [err] = await pool.ppeval(makeError, array([404]));
      const serial = makeError(404);
      expect(err).toBeInstanceOf(Error);
      expect(err!.name).toBe('HttpError');
      expect(err!.message).toBe(serial.message);
      expect(err!.stack).toMatch(/HttpError: status 404/);
      expect(err).toMatchObject({ status: 404, code: 'E_HTTP' });
    });

    it('keeps null-prototype objects null-prototype both ways', async () => {
      const [made] = await pool.ppeval(makeNullProto, array([1]));
      expect(Object.getPrototypeOf(made)).toBeNull();
      const np = makeNullProto(2);
      const [back] = await pool.ppeval(identity, array([np]));
      expect(Object.getPrototypeOf(back)).toBeNull();
    });

    it('refuses class instances in results by default, naming the class; accepts them as plain data on request', async () => {
      const sources = ['let a = 1', 'f(x)'];
      const error = await pool
        .ppeval(acornParse, array(sources), { ecmaVersion: 2022 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskError);
      expect((error as Error).message).toMatch(
        /returned .*instance of class Node, which would arrive at the caller as a plain object without its class.*instances: 'plain'/,
      );
      const asts = await pool.ppeval.with({ instances: 'plain' })(acornParse, array(sources), {
        ecmaVersion: 2022,
      });
      expect(asts).toEqual(
        sources.map((s) => JSON.parse(JSON.stringify(acornParse(s, { ecmaVersion: 2022 })))),
      );
      const files = await pool.ppeval.with({ instances: 'plain' })(babelParse, array(sources));
      expect(files.map((f) => f.program.body.length)).toEqual([1, 1]);
      const semverError = await pool
        .ppeval({ module: 'semver', export: 'parse' }, array(['1.2.3']))
        .catch((e: unknown) => e);
      expect((semverError as Error).message).toMatch(
        /class SemVer.*its methods \(.*\) would be lost/,
      );
    });

    it('refuses a returned generator object, naming it', async () => {
      const error = await pool.ppeval(makeGenerator, array([1])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaskError);
      expect((error as Error).message).toMatch(/it is a generator object.*\[\.\.\.generator\]/);
      expect((error as Error).message).not.toMatch(/class ,/);
    });

    it('validates the instances option', async () => {
      const call = async (): Promise<unknown> =>
        pool.ppeval.with({ instances: 'plane' as never })(identity, array([1]));
      await expect(call()).rejects.toThrow(/`instances` to be 'refuse' or 'plain'/);
      const typo = async (): Promise<unknown> =>
        pool.ppeval.with({ instance: 'plain' } as never)(identity, array([1]));
      await expect(typo()).rejects.toThrow(/instances/);
    });
  });
}
