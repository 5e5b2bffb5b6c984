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
    const detector = new TurnDetector({ eagerEndMs: 100, endMs: 300, maxTurnMs: Infinity });
    const actions = run(detector, [...quiet(2), { started: 64 }, ...quiet(5), { stopped: 256 }, ...quiet(12)]);
    expect(actions.map((a) => a.kind)).toEqual(['start', 'eager_end', 'end']);
    expect(actions[0]).toMatchObject({ kind: 'start', atMs: 64 });
    const eager = actions[1] as Extract<TurnAction, { kind: 'eager_end' }> & { at: number };
    expect(eager.speechEndMs).toBe(256);
    expect(eager.at - 256).toBeGreaterThanOrEqual(100);
    expect(eager.at - 256).toBeLessThan(100 + CHUNK_MS);
    const end = actions[2] as Extract<TurnAction, { kind: 'end' }> & { at: number };
    expect(end.reason).toBe('max_silence');
    expect(end.at - 256).toBeGreaterThanOrEqual(300);
    expect(end.at - 256).toBeLessThan(300 + CHUNK_MS);
    expect(detector.inTurn).toBe(false);
  });

  it('resumes after an eager end when speech comes back, without a new turn', () => {
    const detector = new TurnDetector({ eagerEndMs: 64, endMs: 500, maxTurnMs: Infinity });
    const actions = run(detector, [{ started: 0 }, { stopped: 64 }, ...quiet(3), { started: 192 }, { stopped: 224 }, ...quiet(20)]);
    expect(actions.map((a) => a.kind)).toEqual(['start', 'eager_end', 'resumed', 'eager_end', 'end']);
    expect(actions[4]).toMatchObject({ kind: 'end', speechEndMs: 224, reason: 'max_silence' });
  });

  it('does not report resumed when speech returns before the eager end', () => {
    const detector = new TurnDetector({ eagerEndMs: 200, endMs: 400, maxTurnMs: Infinity });
    const actions = run(detector, [{ started: 0 }, { stopped: 64 }, { started: 96 }, { stopped: 128 }, ...quiet(20)]);
    expect(actions.map((a) => a.kind)).toEqual(['start', 'eager_end', 'end']);
  });

  it('ends a turn on demand, at the current audio time while speech goes on', () => {
    const detector = new TurnDetector({ eagerEndMs: 100, endMs: 300, maxTurnMs: Infinity });
    run(detector, [{ started: 0 }, ...quiet(3)]);
    expect(detector.forceEnd(128, 'finalize')).toEqual({ kind: 'end', speechEndMs: 128, reason: 'finalize' });
    expect(detector.forceEnd(160, 'stop')).toBeNull();
  });

  it('keeps the speech end when forced during trailing silence', () => {
    const detector = new TurnDetector({ eagerEndMs: 100, endMs: 300, maxTurnMs: Infinity });
    run(detector, [{ started: 0 }, { stopped: 64 }]);
    expect(detector.forceEnd(96, 'server_shutdown')).toEqual({ kind: 'end', speechEndMs: 64, reason: 'server_shutdown' });
  });

  it('reports the trailing silence of a turn, on the chunk that ends it too, and none while speaking', () => {
    const detector = new TurnDetector({ eagerEndMs: 64, endMs: 300, maxTurnMs: Infinity });
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

  it('cuts a turn that reaches maxTurnMs and starts the next one at the cut while speech goes on', () => {
    const detector = new TurnDetector({ eagerEndMs: 50, endMs: 100, maxTurnMs: 250 });
    // Speech from 32 ms to 416 ms, then silence.
    const actions = run(detector, [{}, { started: 32 }, ...quiet(11), { stopped: 416 }, ...quiet(6)]);
    expect(actions).toEqual([
      { kind: 'start', atMs: 32, at: 64 },
      { kind: 'end', speechEndMs: 288, reason: 'max_duration', at: 288 },
      { kind: 'start', atMs: 288, at: 288 },
      { kind: 'eager_end', speechEndMs: 416, at: 480 },
      { kind: 'end', speechEndMs: 416, reason: 'max_silence', at: 544 },
    ]);
    expect(detector.inTurn).toBe(false);
  });

  it('ends a turn that reaches maxTurnMs in its trailing silence without starting another', () => {
    const detector = new TurnDetector({ eagerEndMs: 500, endMs: 1000, maxTurnMs: 256 });
    const actions = run(detector, [{ started: 0 }, ...quiet(3), { stopped: 128 }, ...quiet(10)]);
    expect(actions).toEqual([
      { kind: 'start', atMs: 0, at: 32 },
      { kind: 'end', speechEndMs: 128, reason: 'max_duration', at: 256 },
    ]);
    // Speech after it is a new turn, as after any end.
    expect(detector.update(512, { started: 480 })).toEqual([{ kind: 'start', atMs: 480 }]);
  });
});

describe('TurnDetector in model mode', () => {
  const thresholds = { eotThreshold: 0.7, eagerEotThreshold: 0.4, minEndMs: 100, maxEndMs: 600 };
  /** An estimate that rises with the pause's silence as `curve` says. */
  const rising = (curve: (silenceMs: number) => number) => (_speechEndMs: number, silenceMs: number) => curve(silenceMs);

  function runWith(detector: TurnDetector, script: GateDecision[], estimate: (speechEndMs: number, silenceMs: number) => number) {
    return script.flatMap((decision, i) =>
      detector.update((i + 1) * CHUNK_MS, decision, estimate).map((action) => ({ ...action, at: (i + 1) * CHUNK_MS })),
    );
  }

  it('ends a turn when the model is confident, not before min_end_ms, with an eager end first and the confidence on both', () => {
    const detector = new TurnDetector({ eagerEndMs: 32, endMs: 800, maxTurnMs: Infinity, model: thresholds });
    const actions = runWith(detector, [{ started: 0 }, { stopped: 64 }, ...quiet(30)], rising(() => 0.9));
    expect(actions.map((a) => a.kind)).toEqual(['start', 'eager_end', 'end']);
    const [, eager, end] = actions as Array<TurnAction & { at: number }>;
    expect(eager).toMatchObject({ speechEndMs: 64, confidence: 0.9 });
    expect(eager!.at - 64).toBeGreaterThanOrEqual(32);
    expect(eager!.at - 64).toBeLessThan(32 + CHUNK_MS);
    expect(end).toMatchObject({ kind: 'end', reason: 'model', confidence: 0.9 });
    expect(end!.at - 64).toBeGreaterThanOrEqual(100);
    expect(end!.at - 64).toBeLessThan(100 + CHUNK_MS);
  });

  it('waits through a pause the model doubts, and ends it at max_end_ms whatever the model says', () => {
    const detector = new TurnDetector({ eagerEndMs: 32, endMs: 800, maxTurnMs: Infinity, model: thresholds });
    const actions = runWith(detector, [{ started: 0 }, { stopped: 64 }, ...quiet(40)], rising(() => 0.1));
    expect(actions.map((a) => a.kind)).toEqual(['start', 'eager_end', 'end']);
    const end = actions[2] as Extract<TurnAction, { kind: 'end' }> & { at: number };
    expect(end).toMatchObject({ reason: 'max_silence', confidence: 0.1 });
    expect(end.at - 64).toBeGreaterThanOrEqual(600);
    expect(end.at - 64).toBeLessThan(600 + CHUNK_MS);
    // The eager end came with the end: the model never reached the eager threshold.
    expect(actions[1]!.at).toBe(end.at);
  });

  it('sends an eager end at the eager threshold and resumes without a cut-off when speech returns', () => {
    const detector = new TurnDetector({ eagerEndMs: 32, endMs: 800, maxTurnMs: Infinity, model: thresholds });
    const actions = runWith(
      detector,
      [{ started: 0 }, { stopped: 64 }, ...quiet(8), { started: 352 }, { stopped: 384 }, ...quiet(30)],
      rising((silenceMs) => (silenceMs >= 128 ? 0.5 : 0.2)),
    );
    expect(actions.map((a) => a.kind)).toEqual(['start', 'eager_end', 'resumed', 'eager_end', 'end']);
    expect(actions[1]!.at - 64).toBeGreaterThanOrEqual(128);
    expect(actions[4]).toMatchObject({ reason: 'max_silence', speechEndMs: 384 });
  });

  it('carries the latest confidence on a forced end, and 0 mid-speech', () => {
    const detector = new TurnDetector({ eagerEndMs: 32, endMs: 800, maxTurnMs: Infinity, model: thresholds });
    runWith(detector, [{ started: 0 }, { stopped: 64 }, ...quiet(2)], rising(() => 0.3));
    expect(detector.forceEnd(160, 'finalize')).toEqual({ kind: 'end', speechEndMs: 64, reason: 'finalize', confidence: 0.3 });
    runWith(detector, [{ started: 200 }], rising(() => 0.3));
    expect(detector.forceEnd(260, 'stop')).toEqual({ kind: 'end', speechEndMs: 260, reason: 'stop', confidence: 0 });
  });
});
