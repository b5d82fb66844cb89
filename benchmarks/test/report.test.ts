import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  displayPath,
  formatDuration,
  formatDurationRange,
  formatTable,
  nonFiniteNumbers,
  writeFileAtomic,
} from '../src/report.js';

describe('formatTable', () => {
  it('pads columns to the widest cell, left-aligns the first and right-aligns the rest', () => {
    expect(
      formatTable(
        ['workers', 'speedup'],
        [
          ['1', '0.98x'],
          ['16', '12.50x'],
        ],
      ),
    ).toEqual([
      '| workers | speedup |',
      '| ------- | ------: |',
      '| 1       |   0.98x |',
      '| 16      |  12.50x |',
    ]);
  });

  it('honours explicit alignment', () => {
    expect(formatTable(['a', 'b'], [['x', 'y']], ['right', 'left'])[1]).toBe('| --: | --- |');
  });

  it('refuses a row with the wrong number of cells', () => {
    expect(() => formatTable(['a', 'b'], [['x']])).toThrow(/Expected 2 cells in row 0.*got 1/);
  });
});

describe('formatDuration', () => {
  it('picks a unit that keeps the figure short', () => {
    expect(formatDuration(0.25)).toBe('250 us');
    expect(formatDuration(3.5)).toBe('3.50 ms');
    expect(formatDuration(812)).toBe('812 ms');
    expect(formatDuration(3412)).toBe('3.41 s');
    expect(formatDuration(125_000)).toBe('2 min 05 s');
  });
});

describe('nonFiniteNumbers', () => {
  it('finds NaN and infinities by path, and nothing in finite data or nulls', () => {
    expect(nonFiniteNumbers({ a: [1, Number.NaN], b: { c: Infinity }, d: null, e: 'NaN' })).toEqual(
      ['a[1]', 'b.c'],
    );
    expect(nonFiniteNumbers({ rows: [{ x: 1, y: null }] })).toEqual([]);
  });
});

describe('writeFileAtomic', () => {
  let dir = '';
  afterEach(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('creates the folder, writes the content and leaves no temporary file', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bench-report-'));
    const file = path.join(dir, 'nested', 'x.json');
    await writeFileAtomic(file, '{"a":1}\n');
    expect(await readFile(file, 'utf8')).toBe('{"a":1}\n');
    expect(await readdir(path.dirname(file))).toEqual(['x.json']);
  });

  it('leaves the previous file whole and no temporary file when writing fails', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bench-report-'));
    const file = path.join(dir, 'x.json');
    await writeFileAtomic(file, 'old');
    // A folder where the temporary file's rename target should be: rename fails.
    const blocked = path.join(dir, 'blocked');
    await writeFileAtomic(path.join(blocked, 'inner'), 'x');
    await expect(writeFileAtomic(blocked, 'new')).rejects.toThrow();
    expect(await readFile(file, 'utf8')).toBe('old');
    expect((await readdir(dir)).sort()).toEqual(['blocked', 'x.json']);
  });
});

describe('formatDurationRange', () => {
  it('writes both ends in the unit of the upper end', () => {
    expect(formatDurationRange(11.2, 14.4)).toBe('11-14 ms');
    expect(formatDurationRange(1950, 2104)).toBe('1.95-2.10 s');
    expect(formatDurationRange(812, 2104)).toBe('0.81-2.10 s');
  });
});

describe('displayPath', () => {
  it('is relative inside the working folder and absolute outside it', () => {
    expect(displayPath(path.join(process.cwd(), 'a', 'b.json'))).toBe(path.join('a', 'b.json'));
    expect(displayPath('/definitely/elsewhere/x.json')).toBe('/definitely/elsewhere/x.json');
  });
});
