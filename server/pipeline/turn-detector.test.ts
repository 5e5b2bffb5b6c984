import { describe, expect, it } from 'vitest';
import { TurnDetector, type GateDecision, type TurnAction } from './turn-detector.js';

const CHUNK_MS = 32;

/** Runs a detector over a script of per-chunk gate decisions; returns actions with their chunk end. */
function run(detector: TurnDetector, script: GateDecision[]): Array<TurnAction & { at: number }> {
  return script.flatMap((decision, i) =>
    detector.update((i + 1) * CHUNK_MS, decision).map((action) => ({ ...action, at: (i + 1) * CHUNK_MS })),
  );
}

const quiet = (n: number): GateDecision[] => Array.from({ length: n }, () => ({}));

describe('TurnDetector', () => {
  it('starts, eagerly ends and ends a turn by trailing silence', () => {
    const detector = new TurnDetector({ eagerEndMs: 100, endMs: 300 });
    const actions = run(detector, [...quiet(2), { started: 64 }, ...quiet(5), { stopped: 256 }, ...quiet(12)]);
    expect(actions.map((a) => a.kind)).toEqual(['start', 'eager_end', 'end']);
    expect(actions[0]).toMatchObject({ kind: 'start', atMs: 64 });
    const eager = actions[1] as Extract<TurnAction, { kind: 'eager_end' }> & { at: number };
    expect(eager.speechEndMs).toBe(256);
    expect(eager.at - 256).toBeGreaterThanOrEqual(100);
    expect(eager.at - 256).toBeLessThan(100 + CHUNK_MS);
    const end = actions[2] as Extract<TurnAction, { kind: 'end' }> & { at: number };
    expect(end.at - 256).toBeGreaterThanOrEqual(300);
    expect(end.at - 256).toBeLessThan(300 + CHUNK_MS);
    expect(detector.inTurn).toBe(false);
  });

  it('resumes after an eager end when speech comes back, without a new turn', () => {
    const detector = new TurnDetector({ eagerEndMs: 64, endMs: 500 });
    const actions = run(detector, [{ started: 0 }, { stopped: 64 }, ...quiet(3), { started: 192 }, { stopped: 224 }, ...quiet(20)]);
    expect(actions.map((a) => a.kind)).toEqual(['start', 'eager_end', 'resumed', 'eager_end', 'end']);
    expect(actions[4]).toMatchObject({ kind: 'end', speechEndMs: 224 });
  });

  it('does not report resumed when speech returns before the eager end', () => {
    const detector = new TurnDetector({ eagerEndMs: 200, endMs: 400 });
    const actions = run(detector, [{ started: 0 }, { stopped: 64 }, { started: 96 }, { stopped: 128 }, ...quiet(20)]);
    expect(actions.map((a) => a.kind)).toEqual(['start', 'eager_end', 'end']);
  });

  it('ends a turn on demand, at the current audio time while speech goes on', () => {
    const detector = new TurnDetector({ eagerEndMs: 100, endMs: 300 });
    run(detector, [{ started: 0 }, ...quiet(3)]);
    expect(detector.forceEnd(128)).toEqual({ kind: 'end', speechEndMs: 128 });
    expect(detector.forceEnd(160)).toBeNull();
  });

  it('keeps the speech end when forced during trailing silence', () => {
    const detector = new TurnDetector({ eagerEndMs: 100, endMs: 300 });
    run(detector, [{ started: 0 }, { stopped: 64 }]);
    expect(detector.forceEnd(96)).toEqual({ kind: 'end', speechEndMs: 64 });
  });

  it('reports the trailing silence of a turn, on the chunk that ends it too, and none while speaking', () => {
    const detector = new TurnDetector({ eagerEndMs: 64, endMs: 300 });
    expect(detector.trailingSilenceMs(32)).toBe(0);
    run(detector, [{ started: 0 }, ...quiet(2)]);
    expect(detector.trailingSilenceMs(96)).toBe(0);
    detector.update(128, { stopped: 96 });
    expect(detector.trailingSilenceMs(128)).toBe(32);
    expect(detector.update(400, {}).map((a) => a.kind)).toEqual(['eager_end', 'end']);
    expect(detector.trailingSilenceMs(400)).toBe(304);
    detector.update(432, { started: 416 });
    expect(detector.trailingSilenceMs(432)).toBe(0);
  });
});
