import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

import { BackendError, PpevalArgumentError } from '../../src/errors.js';
import { maskUrl, parseRedisUrl } from '../../src/redis/connection.js';
import {
  describeModule,
  makeRoots,
  projectRoot,
  resolveModule,
  type ModuleLocator,
} from '../../src/redis/module-policy.js';
import { resolveBackendOptions, resolveWorkerOptions } from '../../src/redis/options.js';

const packageRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/redis/fns.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ppeval-redis-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Redis URLs', () => {
  it('masks credentials wherever a URL appears in a message', () => {
    expect(maskUrl('redis://:s3cret@db:6379/0')).toBe('redis://***@db:6379/0');
    expect(maskUrl('failed: rediss://user:pw@h:1 and redis://h:2')).toBe(
      'failed: rediss://***@h:1 and redis://h:2',
    );
  });

  it('parses host, port, database, credentials and TLS', () => {
    const plain = parseRedisUrl('redis://10.0.0.5');
    expect(plain.options).toMatchObject({ host: '10.0.0.5', port: 6379, db: 0 });
    expect(plain.options.tls).toBeUndefined();
    const secure = parseRedisUrl('rediss://alice:p%40ss%20word@cache.example:6380/3');
    expect(secure.options).toMatchObject({
      host: 'cache.example',
      port: 6380,
      db: 3,
      username: 'alice',
      password: 'p@ss word',
      tls: { servername: 'cache.example' },
    });
    expect(secure.display).toBe('rediss://***@cache.example:6380/3');
  });

  it('refuses what is not a Redis URL, without echoing the password', () => {
    expect(() => parseRedisUrl('http://:pw@host')).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => parseRedisUrl('redis://:topsecret@host/x')).toThrow(PpevalArgumentError);
    try {
      parseRedisUrl('redis://:topsecret@host/x');
    } catch (err) {
      expect((err as Error).message).not.toContain('topsecret');
    }
    expect(() => parseRedisUrl(6379)).toThrow(/got `6379` \(number\)/);
  });
});

describe('Redis options', () => {
  it('rejects unknown keys, naming the known ones', () => {
    expect(() => resolveBackendOptions({ url: 'redis://h', quue: 'x' })).toThrow(
      /Unknown option `quue`.*queue/,
    );
    expect(() => resolveWorkerOptions({ url: 'redis://h', threads: 2 })).toThrow(
      /Unknown option `threads`/,
    );
  });

  it('says what was expected and what arrived', () => {
    expect(() => resolveBackendOptions({ url: 'redis://h', maxPayloadBytes: '1MB' })).toThrow(
      "Expected `maxPayloadBytes` to be an integer from 1024 and up, got `'1MB'` (string).",
    );
    expect(() => resolveWorkerOptions({ url: 'redis://h', concurrency: 0 })).toThrow(
      /`concurrency` to be an integer from 1 and up, got `0` \(number\)/,
    );
    expect(() => resolveBackendOptions({ url: 'redis://h', queue: 'a b' })).toThrow(/`queue`/);
    expect(() => resolveBackendOptions({})).toThrow(/`url`/);
  });

  it('fills in the defaults', () => {
    expect(resolveBackendOptions({ url: 'redis://h' })).toMatchObject({
      queue: 'ppeval',
      maxPayloadBytes: 32 * 1024 * 1024,
    });
    expect(resolveWorkerOptions({ url: 'redis://h' })).toMatchObject({
      lockDurationMs: 3000,
      stalledIntervalMs: 1000,
      maxStalledCount: 1,
    });
  });
});

describe('module roots', () => {
  it('takes the workspace root above the working directory as the project root', () => {
    expect(projectRoot(packageRoot)).toBe(resolve(packageRoot, '..', '..'));
    const lone = join(dir, 'lone', 'src');
    mkdirSync(lone, { recursive: true });
    writeFileSync(join(dir, 'lone', 'package.json'), '{"name":"lone"}');
    expect(projectRoot(lone)).toBe(join(dir, 'lone'));
  });

  it('describes a file by package, path inside it and content hash', () => {
    const locator = describeModule(pathToFileURL(fixture).href);
    expect(locator).toMatchObject({
      kind: 'file',
      packageName: 'ppeval',
      packagePath: 'test/fixtures/redis/fns.mjs',
    });
    expect(locator.kind === 'file' && locator.hash).toMatch(/^[0-9a-f]{24}$/);
    expect(describeModule('node:zlib')).toEqual({ kind: 'builtin', specifier: 'node:zlib' });
  });

  it("finds the worker's own copy of the package, installed elsewhere", () => {
    const machine = join(dir, 'machine-b');
    mkdirSync(join(machine, 'test', 'fixtures'), { recursive: true });
    writeFileSync(join(machine, 'package.json'), '{"name":"ppeval"}');
    cpSync(
      join(packageRoot, 'test', 'fixtures', 'redis'),
      join(machine, 'test', 'fixtures', 'redis'),
      {
        recursive: true,
      },
    );
    const locator = describeModule(pathToFileURL(fixture).href);
    const found = resolveModule(locator, makeRoots(machine, []));
    expect(found.specifier).toBe(pathToFileURL(join(machine, 'test/fixtures/redis/fns.mjs')).href);
    expect(found.hash).toBe(locator.kind === 'file' ? locator.hash : '');
  });

  it('refuses paths that climb out of the package or links that point out of the roots', () => {
    const root = join(dir, 'root');
    mkdirSync(root);
    writeFileSync(join(root, 'package.json'), '{"name":"root"}');
    const roots = makeRoots(root, []);
    const climbing: ModuleLocator = {
      kind: 'file',
      url: 'file:///nowhere/x.mjs',
      packageName: 'root',
      packagePath: '../../etc/passwd',
      hash: '0',
    };
    expect(() => resolveModule(climbing, roots)).toThrow(BackendError);
    symlinkSync(fixture, join(root, 'link.mjs'));
    const linked: ModuleLocator = { ...climbing, packagePath: 'link.mjs' };
    expect(() => resolveModule(linked, roots)).toThrow(/lies outside them/);
    expect(() => resolveModule({ kind: 'builtin', specifier: 'node:nope' }, roots)).toThrow(
      /not one of Node/,
    );
    expect(() => makeRoots(root, [join(dir, 'missing')])).toThrow(/--root/);
  });

  it('runs only side-effect-free built-ins unless told otherwise', () => {
    const root = join(dir, 'root');
    const zlib = resolveModule({ kind: 'builtin', specifier: 'node:zlib' }, makeRoots(root, []));
    expect(zlib.specifier).toBe('node:zlib');
    const shell: ModuleLocator = { kind: 'builtin', specifier: 'node:child_process' };
    expect(() => resolveModule(shell, makeRoots(root, []))).toThrow(
      /refuses to run functions of node:child_process.*--allow-builtin child_process/,
    );
    expect(resolveModule(shell, makeRoots(root, [], ['child_process'])).specifier).toBe(
      'node:child_process',
    );
    expect(() => makeRoots(root, [], ['leftpad'])).toThrow(/--allow-builtin/);
  });
});
