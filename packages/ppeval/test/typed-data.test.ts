import { describe, expect, it } from 'vitest';

import { prepareArguments } from '../src/arguments.js';
import { DistArray, array, holdsTypedData, split } from '../src/dist-array.js';
import { PpevalArgumentError } from '../src/errors.js';

// Which distributed arguments skip the element-by-element check is structured data that the
// maker of a DistArray states, not a pattern matched against its description (a text for
// people, free to change).
describe('only distributed arguments that declare typed data skip the check of each element', () => {
  it('typed arrays and { data, shape } declare it; array() and nested arrays do not', () => {
    expect(holdsTypedData(split(new Float64Array(4)))).toBe(true);
    expect(holdsTypedData(split({ data: new Uint8Array(6), shape: [2, 3] }, 1))).toBe(true);
    expect(holdsTypedData(array([1, 2]))).toBe(false);
    expect(holdsTypedData(split([[1], [2]], 1))).toBe(false);
  });

  it('checks every element of a DistArray whatever its description says', () => {
    const items: unknown[] = [1, () => 2];
    const dist = new DistArray(2, 'rows of a table', () => (k) => items[k]);
    expect(() => prepareArguments([dist], 'f', false)).toThrow(PpevalArgumentError);
    expect(() => prepareArguments([dist], 'f', false)).toThrow(
      /Element 1 of argument 1 of f \(rows of a table\) cannot be sent to a worker/,
    );
  });
});
