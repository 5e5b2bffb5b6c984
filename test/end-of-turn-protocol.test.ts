import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSamples } from '../audio/pcm-decoder.js';
import { replay, type ReplayAudio, type ReplayResult } from '../clients/replay.js';
import type { ServerEvent, TurnEagerEndEvent, TurnEndEvent } from '../proto/messages.js';
import { buildCall } from './support/call-builder.js';
import { loadLibriVox } from './support/librivox.js';
import { startTestServer } from './support/test-server.js';

const REASONS = ['model', 'max_silence', 'finalize', 'stop', 'max_duration'];

function turnEvents(events: readonly ServerEvent[]): Array<TurnEagerEndEvent | TurnEndEvent> {
  return events.filter((e): e is TurnEagerEndEvent | TurnEndEvent => e.type === 'turn.eager_end' || e.type === 'turn.end');
}

describe('end-of-turn fields over every transport', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const call = buildCall(
    loadLibriVox()
      .slice(0, 2)
      .map((u) => u.samples),
    1800,
  );
  const audio: ReplayAudio = { encoding: 'pcm_s16le', sampleRate: 16000, channels: 1, data: encodeSamples(call.samples, 'pcm_s16le') };
  const results: Record<string, ReplayResult> = {};

  beforeAll(async () => {
    server = await startTestServer({ prewarmDecoders: 2 });
    const thresholds = { eot_threshold: 0.7, eager_eot_threshold: 0.2, min_end_ms: 200, max_end_ms: 1000 };
    [results.ws, results.grpc] = await Promise.all([
      replay(audio, { url: server.url, speed: 2, chunkMs: 40, config: thresholds }),
      replay(audio, { grpc: `127.0.0.1:${server.grpcPort}`, speed: 2, chunkMs: 40, config: thresholds }),
    ]);
    results.webrtc = await replay(audio, { webrtc: `http://127.0.0.1:${server.port}`, speed: 1, chunkMs: 20, config: thresholds });
    results.silence = await replay(audio, { url: server.url, speed: 0, chunkMs: 40, config: { end_of_turn: 'silence' } });
  }, 180_000);

  afterAll(() => server?.close());

  it.each(['ws', 'grpc', 'webrtc'])('%s: the model decides by default; session.started echoes its keys, every eager end and end carries its confidence', (transport) => {
    const result = results[transport]!;
    expect(result.ok).toBe(true);
    expect(result.events[0]).toMatchObject({
      type: 'session.started',
      config: { end_of_turn: 'model', eot_threshold: 0.7, eager_eot_threshold: 0.2, min_end_ms: 200, max_end_ms: 1000 },
    });
    const ends = result.turns.map((t) => t.end);
    expect(ends).toHaveLength(2);
    for (const event of turnEvents(result.events)) {
      expect(event.end_of_turn_confidence).toBeGreaterThanOrEqual(0);
      expect(event.end_of_turn_confidence).toBeLessThanOrEqual(1);
    }
    for (const end of ends) {
      expect(REASONS).toContain(end.reason);
      // A turn the model ended had reached its threshold; one ended by the longest silence had not.
      if (end.reason === 'model') expect(end.end_of_turn_confidence).toBeGreaterThanOrEqual(0.7);
      if (end.reason === 'max_silence') expect(end.end_of_turn_confidence).toBeLessThan(0.7);
    }
    // The first turn ended by the model or by max_end_ms, the last by the client's stop at the latest.
    expect(['model', 'max_silence']).toContain(ends[0]!.reason);
  });

  it('silence mode is unchanged: timers decide, no confidence on the wire', () => {
    const result = results.silence!;
    expect(result.events[0]).toMatchObject({ type: 'session.started', config: { end_of_turn: 'silence', eager_end_ms: 64, end_ms: 800 } });
    const events = turnEvents(result.events);
    expect(events.length).toBeGreaterThanOrEqual(4);
    for (const event of events) expect(event).not.toHaveProperty('end_of_turn_confidence');
    expect(result.turns.map((t) => t.end.reason)).toEqual(['max_silence', 'max_silence']);
  });

  it('refuses a bad end-of-turn config with bad_config before any audio', async () => {
    const events: ServerEvent[] = [];
    const refused = replay(audio, { url: server.url, speed: 0, chunkMs: 40, config: { eot_threshold: 2 }, onEvent: (e) => events.push(e) });
    await expect(refused).rejects.toThrow(/1008/);
    expect(events).toEqual([expect.objectContaining({ type: 'error', code: 'bad_config', fatal: true, message: expect.stringMatching(/eot_threshold/) })]);
  });
});
