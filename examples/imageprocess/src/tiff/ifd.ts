import { TiffError, corrupt } from './errors.js';

/** Byte sizes of the TIFF field types (TIFF 6.0 plus BigTIFF's 16-18). */
const TYPE_SIZE: Readonly<Record<number, number>> = {
  1: 1, // BYTE
  2: 1, // ASCII
  3: 2, // SHORT
  4: 4, // LONG
  5: 8, // RATIONAL
  6: 1, // SBYTE
  7: 1, // UNDEFINED
  8: 2, // SSHORT
  9: 4, // SLONG
  10: 8, // SRATIONAL
  11: 4, // FLOAT
  12: 8, // DOUBLE
  13: 4, // IFD
  16: 8, // LONG8
  17: 8, // SLONG8
  18: 8, // IFD8
};

/** Hard caps that keep a damaged file from making the parser loop or allocate without end. */
const MAX_PAGES = 4096;
const MAX_ENTRIES = 4096;

/** One directory entry, read lazily: where its values live in the file. */
export interface IfdEntry {
  readonly tag: number;
  readonly type: number;
  readonly count: number;
  /** Absolute offset of the first value (inline values point into the entry itself). */
  readonly valueOffset: number;
}

/** A parsed image file directory with typed accessors for its tags. */
export class Ifd {
  constructor(
    private readonly reader: ByteReader,
    readonly offset: number,
    readonly entries: ReadonlyMap<number, IfdEntry>,
  ) {}

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  /** All values of a numeric tag (integers or rationals as numbers), capped at `limit`. */
  numbers(tag: number, limit = 1 << 24): number[] | undefined {
    const entry = this.entries.get(tag);
    if (entry === undefined) return undefined;
    if (entry.count > limit) {
      throw corrupt(
        `TIFF tag ${tag} declares ${entry.count} values, more than the ${limit} it can have; the directory at offset ${this.offset} is damaged`,
      );
    }
    return this.reader.values(entry);
  }

  /** The single value of a tag, `fallback` when absent. */
  number(tag: number, fallback: number): number;
  number(tag: number): number | undefined;
  number(tag: number, fallback?: number): number | undefined {
    const values = this.numbers(tag);
    if (values === undefined) return fallback;
    const first = values[0];
    if (first === undefined) throw corrupt(`TIFF tag ${tag} has no value`);
    return first;
  }

  /** Raw bytes of a BYTE/UNDEFINED tag (JPEGTables). */
  bytes(tag: number): Uint8Array | undefined {
    const entry = this.entries.get(tag);
    if (entry === undefined) return undefined;
    const size = (TYPE_SIZE[entry.type] ?? 1) * entry.count;
    return this.reader.slice(entry.valueOffset, size, `tag ${tag}`);
  }
}

/** Bounds-checked, byte-order-aware reads over the whole file. */
export class ByteReader {
  readonly view: DataView;
  readonly little: boolean;
  readonly bigTiff: boolean;

  constructor(
    readonly bytes: Uint8Array,
    little: boolean,
    bigTiff: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.little = little;
    this.bigTiff = bigTiff;
  }

  get length(): number {
    return this.bytes.length;
  }

  private check(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + size > this.bytes.length) {
      throw corrupt(
        `The ${what} lies at bytes ${offset}..${offset + size} but the file has only ${this.bytes.length} bytes; it is truncated or damaged`,
      );
    }
  }

  u16(offset: number, what = 'value'): number {
    this.check(offset, 2, what);
    return this.view.getUint16(offset, this.little);
  }

  u32(offset: number, what = 'value'): number {
    this.check(offset, 4, what);
    return this.view.getUint32(offset, this.little);
  }

  u64(offset: number, what = 'value'): number {
    this.check(offset, 8, what);
    const value = this.view.getBigUint64(offset, this.little);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw corrupt(`The ${what} at byte ${offset} is ${value}, beyond any real file size`);
    }
    return Number(value);
  }

  slice(offset: number, size: number, what: string): Uint8Array {
    this.check(offset, size, what);
    return this.bytes.subarray(offset, offset + size);
  }

  values(entry: IfdEntry): number[] {
    const size = TYPE_SIZE[entry.type];
    if (size === undefined) {
      throw corrupt(`TIFF tag ${entry.tag} has unknown field type ${entry.type}`);
    }
    this.check(entry.valueOffset, size * entry.count, `values of tag ${entry.tag}`);
    const out = new Array<number>(entry.count);
    const v = this.view;
    const le = this.little;
    let p = entry.valueOffset;
    for (let i = 0; i < entry.count; i++, p += size) {
      switch (entry.type) {
        case 1:
        case 2:
        case 7:
          out[i] = v.getUint8(p);
          break;
        case 6:
          out[i] = v.getInt8(p);
          break;
        case 3:
          out[i] = v.getUint16(p, le);
          break;
        case 8:
          out[i] = v.getInt16(p, le);
          break;
        case 4:
        case 13:
          out[i] = v.getUint32(p, le);
          break;
        case 9:
          out[i] = v.getInt32(p, le);
          break;
        case 5: {
          const d = v.getUint32(p + 4, le);
          out[i] = d === 0 ? 0 : v.getUint32(p, le) / d;
          break;
        }
        case 10: {
          const d = v.getInt32(p + 4, le);
          out[i] = d === 0 ? 0 : v.getInt32(p, le) / d;
          break;
        }
        case 11:
          out[i] = v.getFloat32(p, le);
          break;
        case 12:
          out[i] = v.getFloat64(p, le);
          break;
        default:
          // 16, 17, 18: 64-bit integers; offsets beyond 2^53 cannot be real.
          out[i] = this.u64(p, `value of tag ${entry.tag}`);
      }
    }
    return out;
  }
}

/** The header and the chain of top-level directories of a TIFF or BigTIFF file. */
export interface TiffFile {
  readonly reader: ByteReader;
  readonly pages: readonly Ifd[];
}

/**
 * Reads the header and the IFD chain up to and including `lastPage` (every page when
 * undefined). Throws `ERR_TIFF_NOT_TIFF` for other data and `ERR_TIFF_CORRUPT` for a damaged
 * structure; a loop in the chain is refused instead of followed.
 */
export function parseTiff(bytes: Uint8Array, lastPage?: number): TiffFile {
  if (bytes.length < 8) {
    throw new TiffError(
      'ERR_TIFF_NOT_TIFF',
      `Expected a TIFF file (at least 8 bytes starting with "II" or "MM"), got ${bytes.length} bytes`,
    );
  }
  const b0 = bytes[0];
  const b1 = bytes[1];
  let little: boolean;
  if (b0 === 0x49 && b1 === 0x49) little = true;
  else if (b0 === 0x4d && b1 === 0x4d) little = false;
  else {
    const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new TiffError(
      'ERR_TIFF_NOT_TIFF',
      `Expected a TIFF file starting with "II" or "MM" (byte-order mark), got bytes ${hex}; is this a TIFF?`,
    );
  }
  const probe = new ByteReader(bytes, little, false);
  const magic = probe.u16(2, 'header');
  let reader: ByteReader;
  let first: number;
  if (magic === 42) {
    reader = probe;
    first = reader.u32(4, 'header');
  } else if (magic === 43) {
    reader = new ByteReader(bytes, little, true);
    if (bytes.length < 16) throw corrupt('The BigTIFF header is truncated (fewer than 16 bytes)');
    const offsetSize = reader.u16(4, 'header');
    if (offsetSize !== 8) {
      throw corrupt(`The BigTIFF header declares ${offsetSize}-byte offsets; only 8 exists`);
    }
    first = reader.u64(8, 'header');
  } else {
    throw new TiffError(
      'ERR_TIFF_NOT_TIFF',
      `Expected TIFF magic number 42 (or 43 for BigTIFF) after the byte-order mark, got ${magic}`,
    );
  }

  const pages: Ifd[] = [];
  const seen = new Set<number>();
  let next = first;
  while (next !== 0) {
    if (seen.has(next)) {
      throw corrupt(`The chain of image directories loops back to offset ${next}`);
    }
    if (pages.length >= MAX_PAGES) {
      throw corrupt(`The file has more than ${MAX_PAGES} image directories; refusing to go on`);
    }
    seen.add(next);
    const { ifd, nextOffset } = readIfd(reader, next);
    pages.push(ifd);
    if (lastPage !== undefined && pages.length > lastPage) break;
    next = nextOffset;
  }
  if (pages.length === 0) throw corrupt('The file has no image directory (first IFD offset is 0)');
  return { reader, pages };
}

function readIfd(reader: ByteReader, offset: number): { ifd: Ifd; nextOffset: number } {
  const big = reader.bigTiff;
  const count = big ? reader.u64(offset, 'directory') : reader.u16(offset, 'directory');
  if (count === 0 || count > MAX_ENTRIES) {
    throw corrupt(`The image directory at offset ${offset} declares ${count} entries`);
  }
  const entrySize = big ? 20 : 12;
  const start = offset + (big ? 8 : 2);
  const entries = new Map<number, IfdEntry>();
  for (let i = 0; i < count; i++) {
    const p = start + i * entrySize;
    const tag = reader.u16(p, 'directory entry');
    const type = reader.u16(p + 2, 'directory entry');
    const n = big ? reader.u64(p + 4, 'directory entry') : reader.u32(p + 4, 'directory entry');
    const size = TYPE_SIZE[type];
    // Unknown types must be skipped (TIFF 6.0 says so); tags we need are checked on use.
    if (size === undefined) continue;
    const inlineSize = big ? 8 : 4;
    const valueField = p + (big ? 12 : 8);
    const valueOffset =
      size * n <= inlineSize
        ? valueField
        : big
          ? reader.u64(valueField, 'directory entry')
          : reader.u32(valueField, 'directory entry');
    if (!entries.has(tag)) entries.set(tag, { tag, type, count: n, valueOffset });
  }
  const nextField = start + count * entrySize;
  const nextOffset = big
    ? reader.u64(nextField, 'next directory offset')
    : reader.u32(nextField, 'next directory offset');
  return { ifd: new Ifd(reader, offset, entries), nextOffset };
}
