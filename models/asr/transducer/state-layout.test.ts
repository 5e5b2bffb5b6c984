import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchShape, gatherStates, initialState, scatterStates, type StateSpec } from './state-layout.js';

/** Index of element `index` (per-stream coordinates) of stream `s` in a batch of `n`, by strides. */
function batchIndex(spec: StateSpec, index: number[], s: number, n: number): number {
  const shape = batchShape(spec, n);
  let flat = 0;
  for (let axis = 0; axis < shape.length; axis++) flat = flat * shape[axis]! + (axis === spec.batchAxis ? s : index[axis]!);
  return flat;
}

function coordinates(shape: readonly number[], flat: number): number[] {
  const out = new Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    out[axis] = flat % shape[axis]!;
    flat = Math.floor(flat / shape[axis]!);
  }
  return out;
}

const specs = fc
  .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
  .chain((dims) => fc.integer({ min: 0, max: dims.length - 1 }).map((axis) => ({ dims, axis })))
  .map(({ dims, axis }): StateSpec => ({ name: 's', type: 'float32', shape: dims.map((d, i) => (i === axis ? 1 : d)), batchAxis: axis }));

describe('encoder state gather and scatter', () => {
  it('puts each stream at its index on the batch axis, every other coordinate kept, and scatter inverts it', () => {
    fc.assert(
      fc.property(specs, fc.integer({ min: 1, max: 5 }), (spec, n) => {
        const size = spec.shape.reduce((a, b) => a * b, 1);
        const states = Array.from({ length: n }, (_, s) => Float32Array.from({ length: size }, (_, i) => s * 1000 + i));
        const batch = gatherStates(spec, states);
        for (let s = 0; s < n; s++) {
          for (let i = 0; i < size; i++) expect(batch[batchIndex(spec, coordinates(spec.shape, i), s, n)]).toBe(s * 1000 + i);
        }
        expect(scatterStates(spec, batch, n)).toEqual(states);
      }),
    );
  });

  it('keeps int64 states (cached_len, processed_lens) exact', () => {
    const spec: StateSpec = { name: 'cached_len_0', type: 'int64', shape: [2, 1], batchAxis: 1 };
    const states = [BigInt64Array.from([1n, 2n]), BigInt64Array.from([3n, 2n ** 40n])];
    const batch = gatherStates(spec, states);
    expect([...batch]).toEqual([1n, 3n, 2n, 2n ** 40n]);
    expect(scatterStates(spec, batch, 2)).toEqual(states);
    expect(initialState(spec)).toEqual(new BigInt64Array(2));
  });

  it('refuses a new state of the wrong size', () => {
    const spec: StateSpec = { name: 'cached_avg_0', type: 'float32', shape: [2, 1, 3], batchAxis: 1 };
    expect(() => scatterStates(spec, new Float32Array(5), 1)).toThrow(/cached_avg_0 came back with 5 values, expected 6/);
  });
});
