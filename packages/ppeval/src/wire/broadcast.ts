/**
 * Broadcast arguments, stored once per call and read once per worker.
 *
 * - Threads ({@link encodeShared}): the values are serialized with `v8` once, into a
 *   SharedArrayBuffer, except typed arrays, which are moved into SharedArrayBuffers of their own
 *   (or kept, when they already are) and referenced by index. A thread receives all of them by
 *   reference: a 100 MB Float64Array is never copied after the first move, whatever the number
 *   of elements or workers.
 * - Child processes ({@link encodeBytes}): the serialized bytes travel inline in each batch
 *   when small, else in a temporary file written once per call; each worker reads it once.
 * - Redis and other remote backends store the {@link encodeBytes} bytes their own way.
 *
 * @module
 */
import { DefaultDeserializer, DefaultSerializer, deserialize, serialize } from 'node:v8';
import { readFile } from 'node:fs/promises';

import type { BroadcastRef } from './protocol.js';
import { applyFixups, encodeValue, type Fixup } from './values.js';

/** Payloads up to this size travel inline in every batch instead of through a file. */
export const INLINE_BROADCAST_LIMIT = 64 * 1024;

type TypedArrayConstructor = new (
  buffer: ArrayBufferLike,
  byteOffset: number,
  length: number,
) => ArrayBufferView;

/** Copies a view into a new SharedArrayBuffer of its exact size, keeping its class. */
export function toShared<V extends ArrayBufferView>(view: V): V {
  if (view.buffer instanceof SharedArrayBuffer) return view;
  const sab = new SharedArrayBuffer(view.byteLength);
  new Uint8Array(sab).set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  if (view instanceof DataView) return new DataView(sab) as unknown as V;
  const Ctor = sharedCtor(view);
  const elementSize = (view as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return new Ctor(sab, 0, view.byteLength / elementSize) as V;
}

function sharedCtor(view: ArrayBufferView): TypedArrayConstructor {
  // A Buffer would come back as a plain Uint8Array after structured clone anyway.
  if (Buffer.isBuffer(view)) return Uint8Array as unknown as TypedArrayConstructor;
  return view.constructor as TypedArrayConstructor;
}

class SharedSerializer extends DefaultSerializer {
  readonly views: ArrayBufferView[] = [];

  // Called by v8 for every typed array and DataView (DefaultSerializer treats them as host
  // objects); not in @types/node, hence no `override`.
  _writeHostObject(object: object): void {
    if (!ArrayBuffer.isView(object)) {
      throw new TypeError(`${Object.prototype.toString.call(object)} cannot be serialized.`);
    }
    this.writeUint32(this.views.length);
    this.views.push(toShared(object));
  }
}

class SharedDeserializer extends DefaultDeserializer {
  constructor(
    bytes: Uint8Array,
    private readonly views: readonly ArrayBufferView[],
  ) {
    super(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  _readHostObject(): unknown {
    return this.views[this.readUint32()];
  }
}

/** Encodes broadcast values for threads: no copy on the way to any worker. */
export function encodeShared(values: readonly unknown[]): BroadcastRef {
  if (values.length === 0) return { kind: 'none' };
  const serializer = new SharedSerializer();
  serializer.writeHeader();
  serializer.writeValue(withFixups(values));
  const plain = serializer.releaseBuffer();
  const bytes = toShared(new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength));
  return { kind: 'shared', bytes, views: serializer.views };
}

/** Encodes broadcast values as bytes (child processes, remote backends). */
export function encodeBytes(values: readonly unknown[]): Uint8Array {
  return serialize(withFixups(values));
}

/**
 * The values and their fixups (Buffers, null prototypes, errors) in one serialized message, so
 * the fixups point at the deserialized objects. The values were checked by `prepareArguments`.
 */
function withFixups(values: readonly unknown[]): [readonly unknown[], Fixup[] | undefined] {
  return [values, encodeValue(values, { role: 'argument', instances: 'plain' }).fixups];
}

function withoutFixups(decoded: unknown): unknown[] {
  const [values, fixups] = decoded as [unknown[], Fixup[] | undefined];
  applyFixups(fixups);
  return values;
}

/** Decodes {@link encodeBytes}'s output. */
export function decodeBytes(bytes: Uint8Array): unknown[] {
  return withoutFixups(deserialize(bytes));
}

/**
 * Resolves a broadcast ref of the built-in kinds (`none`, `inline`, `shared`, `file`) to the
 * broadcast values: the only kinds a worker ever receives.
 */
export async function decodeBroadcast(ref: BroadcastRef): Promise<unknown[]> {
  switch (ref.kind) {
    case 'none':
      return [];
    case 'inline':
      return decodeBytes(ref['bytes'] as Uint8Array);
    case 'file':
      return decodeBytes(await readFile(ref['path'] as string));
    case 'shared': {
      const deserializer = new SharedDeserializer(
        ref['bytes'] as Uint8Array,
        ref['views'] as ArrayBufferView[],
      );
      deserializer.readHeader();
      return withoutFixups(deserializer.readValue());
    }
    default:
      throw new Error(
        `Unknown broadcast kind \`${ref.kind}\`: this worker cannot read it. Start the worker ` +
          'with the backend that created the call.',
      );
  }
}
