import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSamples } from '../audio/pcm-decoder.js';
import { scoreCall } from '../clients/qa/call-scoring.js';
import type { CallRecording } from '../clients/qa/call-recording.js';
import type { CallReport } from '../clients/qa/qa-report.js';
import { recordReplay } from '../clients/replay.js';
import { buildCall } from './support/call-builder.js';
import { loadLibriVox } from './support/librivox.js';
import { startTestServer } from './support/test-server.js';

/**
 * The QA report's client-measured latency over WebRTC: the server's audio clock starts when
 * the data channel opens, before this client's track plays its first audio, so the report
 * must map server audio time from there (it once mapped it from the first audio played, and
 * every latency came out hundreds of ms negative).
 */
describe('client-measured latency of a WebRTC replay', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let report: CallReport;
  let overWebSocket: CallReport;

  beforeAll(async () => {
    server = await startTestServer({ prewarmDecoders: 1 });
    const call = buildCall(
      loadLibriVox()
        .slice(0, 2)
        .map((u) => u.samples),
      1500,
    );
    const audio = { encoding: 'pcm_s16le' as const, sampleRate: 16000, channels: 1 as const, data: encodeSamples(call.samples, 'pcm_s16le') };
    const score = (recording: CallRecording) =>
      scoreCall({ id: 'rtc', audio: 'rtc.wav', audioMs: (call.samples.length * 1000) / 16000, channels: 1, references: [null], expectedTurns: [null], recording });
    const config = { end_of_turn: 'silence' };
    report = score(await recordReplay(audio, { webrtc: `http://127.0.0.1:${server.port}`, speed: 1, chunkMs: 20, config }));
    overWebSocket = score(await recordReplay(audio, { url: server.url, speed: 1, chunkMs: 20, config }));
  }, 120_000);

  afterAll(() => server?.close());

  it("agrees with the server's own latency: never below it by more than the clocks' disagreement, and not far above", () => {
    const ends = report.turns.filter((t) => t.final_latency_ms !== null && t.server_final_latency_ms !== undefined);
    expect(ends.length).toBe(2);
    for (const turn of ends) {
      // The client's figure adds the path to the server (Opus, the jitter buffer): above the
      // server's, by tens of ms on loopback; the channel's opening is seen a few ms apart at the two ends.
      expect(turn.final_latency_ms!).toBeGreaterThan(turn.server_final_latency_ms! - 50);
      expect(turn.final_latency_ms!).toBeLessThan(turn.server_final_latency_ms! + 400);
    }
    expect(report.latency.perceived.p50!).toBeGreaterThan(0);
  });

  it("knows how far the server's clock runs ahead of the audio: the same speech ends as over the WebSocket, once moved back by it", () => {
    expect(overWebSocket.server_clock_lead_ms).toBe(0);
    // The client's track holds 200 ms before it plays.
    expect(report.server_clock_lead_ms).toBeGreaterThanOrEqual(150);
    const ends = (r: CallReport) => r.turns.map((t) => t.speech_end_ms!);
    expect(ends(report)).toHaveLength(ends(overWebSocket).length);
    ends(report).forEach((end, i) => {
      // What is left is the transport's delay (Opus frames, the jitter buffer) and a VAD chunk.
      const moved = end - report.server_clock_lead_ms - ends(overWebSocket)[i]!;
      expect(moved).toBeGreaterThan(-40);
      expect(moved).toBeLessThan(150);
    });
  });
});
