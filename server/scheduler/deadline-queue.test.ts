import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineQueue, type QueueKey } from './deadline-queue.js';

type Op = { push: { tier: number; deadline: number } } | { pop: true };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ push: fc.record({ tier: fc.integer({ min: 0, max: 2 }), deadline: fc.integer({ min: 0, max: 50 }) }) }),
  fc.constant({ pop: true as const }),
);

function referenceOrder(a: QueueKey, b: QueueKey): number {
  return a.tier - b.tier || a.deadline - b.deadline || a.seq - b.seq;
}

describe('DeadlineQueue', () => {
  it('pops exactly what a sorted reference pops, for random push/pop sequences', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const queue = new DeadlineQueue<QueueKey>();
        const reference: QueueKey[] = [];
        let seq = 0;
        for (const o of ops) {
          if ('push' in o) {
            const item = { ...o.push, seq: seq++ };
            queue.push(item);
            reference.push(item);
          } else {
            reference.sort(referenceOrder);
            expect(queue.pop()).toBe(reference.shift());
          }
          expect(queue.size).toBe(reference.length);
        }
        reference.sort(referenceOrder);
        for (const expected of reference) expect(queue.pop()).toBe(expected);
        expect(queue.pop()).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('keeps heap order after removing arbitrary entries', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 100 }), fc.integer({ min: 2, max: 5 }), (deadlines, mod) => {
        const queue = new DeadlineQueue<QueueKey>();
        deadlines.forEach((deadline, seq) => queue.push({ tier: 0, deadline, seq }));
        const removed = queue.removeWhere((item) => item.seq % mod === 0);
        expect(removed.every((item) => item.seq % mod === 0)).toBe(true);
        const popped: QueueKey[] = [];
        for (let item = queue.pop(); item; item = queue.pop()) popped.push(item);
        expect(popped.length + removed.length).toBe(deadlines.length);
        expect(popped).toEqual([...popped].sort(referenceOrder));
      }),
    );
  });
});
