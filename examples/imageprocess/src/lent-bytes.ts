/**
 * A byte buffer kept from one call to the next in this thread and lent to one caller at a time,
 * for memory that never leaves the call (compressFile's read of its input, its output samples,
 * compressImage's RGB planes).
 * Fresh memory of a few megabytes costs its page faults on first write (0.5-1.5 ms for the
 * 3.4 MB of a 1064x1064 RGB photo); memory written before does not. A caller that asks while
 * the buffer is lent (two compressFile calls of one thread at once) gets fresh memory, so no
 * two callers ever share bytes.
 * @internal
 */
export class LentBytes {
  #free: ArrayBuffer | undefined;
  readonly #keepAtMost: number;

  /** @param keepAtMost - The largest buffer kept (bytes): larger ones are left to the GC. */
  constructor(keepAtMost: number) {
    this.#keepAtMost = keepAtMost;
  }

  /**
   * `length` bytes whose contents are undefined (the kept buffer when it is free and large
   * enough, else fresh unzeroed memory): every byte must be written before it is read.
   */
  lend(length: number): Uint8Array {
    const free = this.#free;
    if (free !== undefined && free.byteLength >= length) {
      this.#free = undefined;
      return new Uint8Array(free, 0, length);
    }
    return unzeroedBytes(length);
  }

  /**
   * Takes back bytes that {@link lend} gave, of which the caller keeps no view: kept for the
   * next lend unless a larger buffer is kept already or it is over the limit.
   */
  giveBack(bytes: Uint8Array): void {
    const buffer = bytes.buffer as ArrayBuffer;
    if (buffer.byteLength > this.#keepAtMost) return;
    if (this.#free === undefined || this.#free.byteLength < buffer.byteLength) this.#free = buffer;
  }
}

/**
 * A plain Uint8Array of `length` bytes on memory that is not zeroed first (an ArrayBuffer of
 * exactly that size, as Buffer.allocUnsafeSlow makes it): for outputs whose every byte is
 * written before anyone reads them.
 * @internal
 */
export function unzeroedBytes(length: number): Uint8Array {
  return new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
}
