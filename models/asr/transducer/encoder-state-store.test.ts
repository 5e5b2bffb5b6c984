import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EncoderStateStore } from './encoder-state-store.js';
import { gatherStates, initialState, scatterStates, type StateData, type StateSpec } from './state-layout.js';

const SPECS: StateSpec[] = [
  { name: 'cached_key_0', type: 'float32', shape: [2, 3, 1, 2], batchAxis: 2 },
  { name: 'cached_len_0', type: 'int64', shape: [2, 1], batchAxis: 1 },
  { name: 'embed_states', type: 'float32', shape: [1, 2, 2], batchAxis: 0 },
];

/** A fake encoder step: every value of the new state is the old one plus the stream's step count marker. */
function advance(states: StateData[], streams: readonly number[], step: number): StateData[] {
  return SPECS.map((spec, i) => {
    const perStream = scatterStates(spec, states[i]!, streams.length);
    const next = perStream.map((data, s) =>
      data instanceof BigInt64Array ? BigInt64Array.from(data, (v) => v + BigInt(streams[s]! + 1)) : Float32Array.from(data as Float32Array, (v) => v + step + streams[s]! * 0.5),
    );
    return gatherStates(spec, next);
  });
}

type Op = { kind: 'step'; streams: number[] } | { kind: 'reset'; stream: number } | { kind: 'close'; stream: number };

const ops = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('step' as const), streams: fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 5 }) }),
    fc.record({ kind: fc.constant('reset' as const), stream: fc.integer({ min: 0, max: 4 }) }),
    fc.record({ kind: fc.constant('close' as const), stream: fc.integer({ min: 0, max: 4 }) }),
  ),
  { maxLength: 40 },
);

describe('EncoderStateStore', () => {
  it('feeds every batch the same states as keeping each stream\'s own copy would, whatever the batches, resets and closes', () => {
    fc.assert(
      fc.property(ops, (plan) => {
        const store = new EncoderStateStore(SPECS);
        const reference = new Map<number, StateData[]>();
        plan.forEach((op, step) => {
          if (op.kind === 'reset') {
            store.reset(op.stream);
            reference.set(op.stream, SPECS.map(initialState));
          } else if (op.kind === 'close') {
            store.delete(op.stream);
            reference.delete(op.stream);
          } else {
            const streams = op.streams.filter((s) => reference.has(s));
            if (streams.length === 0) return;
            const inputs = store.batchInputs(streams);
            const expected = SPECS.map((spec, i) => gatherStates(spec, streams.map((s) => reference.get(s)![i]!)));
            expect(inputs).toEqual(expected);
            const next = advance(inputs, streams, step);
            store.store(streams, next);
            SPECS.forEach((spec, i) => scatterStates(spec, next[i]!, streams.length).forEach((data, s) => (reference.get(streams[s]!)![i] = data)));
          }
        });
        expect(store.size).toBe(reference.size);
      }),
    );
  });

  it('feeds the same batch again without copying: the encoder\'s own output goes back in', () => {
    const store = new EncoderStateStore(SPECS);
    [3, 7].forEach((s) => store.reset(s));
    const next = advance(store.batchInputs([3, 7]), [3, 7], 1);
    store.store([3, 7], next);
    expect(store.batchInputs([3, 7])).toBe(next);
    // Another order is another batch: gathered anew, with the same values.
    const swapped = store.batchInputs([7, 3]);
    expect(swapped).not.toBe(next);
    expect(swapped).toEqual(SPECS.map((spec, i) => gatherStates(spec, [...scatterStates(spec, next[i]!, 2)].reverse())));
  });
});
