import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LIBRIVOX_DIR } from '../../test/support/librivox.js';
import { benchmarkCalls, CORPUS_DIR, type CorpusCall } from './corpus-calls.js';
import { MIN_END_GAP_MS } from './turn-truth.js';

// The corpus is ../shared/corpus beside the clone (as in CI), LibriVox is pocketsphinx-testdata.
describe.skipIf(!existsSync(CORPUS_DIR) || !existsSync(LIBRIVOX_DIR))('benchmarkCalls', () => {
  let calls: CorpusCall[];
  beforeAll(() => {
    calls = benchmarkCalls();
  });
  const group = (g: string) => calls.filter((c) => c.group === g);

  it('has the five monologues as one turn each, and ends to find in every group', () => {
    expect(calls.map((c) => c.id)).toContain('two-party/auto-repairs-40');
    expect(group('monologue').map((c) => c.truth.map((t) => t.turns.length))).toEqual([[1], [1], [1], [1], [1]]);
    const ends = (g: string) => group(g).flatMap((c) => c.truth.flatMap((t) => t.turns.filter((x) => x.scored))).length;
    expect([ends('monologue'), ends('two-party'), ends('meeting'), ends('librivox')]).toEqual([5, 25, 15, 10]);
  });

  it('streams the two-party call as two time-aligned 8 kHz channels whose turns alternate', () => {
    const [call] = group('two-party');
    expect(call!.sampleRate).toBe(8000);
    expect(call!.channels.map((c) => c.length)).toEqual([call!.channels[0]!.length, call!.channels[0]!.length]);
    const floor = call!.truth.flatMap((t) => t.turns.map((turn) => ({ ...turn, channel: t.channel }))).sort((a, b) => a.startMs - b.startMs);
    floor.slice(1).forEach((turn, k) => expect(turn.channel).not.toBe(floor[k]!.channel));
  });

  it('leaves out of the ends to find every end another voice follows within 150 ms, and every turn the excerpt cuts', () => {
    for (const call of group('meeting')) {
      const durationMs = (call.channels[0]!.length * 1000) / call.sampleRate;
      for (const turn of call.truth[0]!.turns.filter((t) => t.scored)) {
        expect(turn.nextSpeechMs - turn.endMs).toBeGreaterThanOrEqual(MIN_END_GAP_MS);
        expect(turn.endMs).toBeLessThan(durationMs - 3000);
      }
    }
  });

  it('pads every call with silence after its last turn, longer than any end_ms', () => {
    for (const call of calls) {
      const durationMs = (call.channels[0]!.length * 1000) / call.sampleRate;
      const lastEnd = Math.max(...call.truth.flatMap((t) => t.turns.map((x) => x.endMs)));
      expect(durationMs - lastEnd).toBeGreaterThanOrEqual(3000);
    }
  });
});
