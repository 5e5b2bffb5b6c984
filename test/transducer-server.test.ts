import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSamples } from '../audio/pcm-decoder.js';
import { replay, type ReplayResult } from '../clients/replay.js';
import type { StreamingAsrEngine } from '../models/asr/streaming-asr-engine.js';
import type { TransducerEngine } from '../models/asr/transducer/transducer-engine.js';
import { TransducerEngine } from '../models/asr/transducer/transducer-engine.js';
import type { ServerEvent } from '../proto/messages.js';
import { projectRoot } from '../proto/project-root.js';
import { buildCall } from './support/call-builder.js';
import { captureLog } from './support/log-capture.js';
import { fetchMetrics, metricValue } from './support/prometheus-text.js';
import { loadLibriVox, TESTDATA_DIR } from './support/librivox.js';
import { busySessions, expectEndedByEngineFailure } from './support/busy-sessions.js';
import { terminateBetweenRuns } from './support/terminate-between-runs.js';
import { startTestServer, waitFor } from './support/test-server.js';

const MODEL_DIR = join(projectRoot(), 'test', 'fixtures', 'transducer', 'zipformer2');
const goForward = readFileSync(`${TESTDATA_DIR}/goforward.raw`);
const SPEECH = new Uint8Array(goForward.buffer, goForward.byteOffset, goForward.length);

type Started = Extract<ServerEvent, { type: 'session.started' }>;

/** Each turn's words lie inside the turn: from its speech start to its end's audio time. */
function expectWordsInsideTurns(result: ReplayResult): void {
  for (const turn of result.turns) {
    const start = result.events.find((e) => e.type === 'speech.started' && e.turn_id === turn.turnId) as Extract<ServerEvent, { type: 'speech.started' }>;
    expect(turn.end.words.length).toBeGreaterThan(0);
    let previous = start.at_ms - 200;
    for (const word of turn.end.words) {
      expect(word.start_ms).toBeGreaterThanOrEqual(previous);
      expect(word.end_ms).toBeGreaterThan(word.start_ms);
      previous = word.start_ms;
    }
  }
}

describe('a server with PARLEY_ASR_ENGINE=transducer and a model folder', () => {
  const { log, lines } = captureLog();
  const utterances = loadLibriVox().slice(0, 2);
  const call = buildCall(
    utterances.map((u) => u.samples),
    1500,
  );
  const audio = { encoding: 'pcm_s16le' as const, sampleRate: 16000, channels: 1, data: encodeSamples(call.samples, 'pcm_s16le') };
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let overWebSocket: ReplayResult;
  let overGrpc: ReplayResult;

  beforeAll(async () => {
    server = await startTestServer({ asrEngine: 'transducer', asrModelDir: MODEL_DIR }, { log });
    [overWebSocket, overGrpc] = await Promise.all([
      replay(audio, { url: server.url, speed: 2, chunkMs: 40 }),
      replay(audio, { grpc: `127.0.0.1:${server.grpcPort}`, speed: 2, chunkMs: 40 }),
    ]);
  }, 120_000);

  afterAll(() => server?.close());

  it('names the transducer, its export and its files with their hash in session.started and the logs', async () => {
    const engine = await TransducerEngine.load({ modelDir: MODEL_DIR });
    const version = engine.version;
    await engine.close();
    const expected = { engine: 'transducer', model: 'zipformer2', files: version.files, sha256: version.sha256 };
    for (const result of [overWebSocket, overGrpc]) expect((result.events[0] as Started).recognizer).toEqual(expected);
    expect(lines.find((l) => l.event === 'ready')).toMatchObject({ recognizer: expected, execution_provider: 'cpu' });
    expect(lines.filter((l) => l.event === 'session_start').map((l) => l.recognizer)).toEqual([expected, expected]);
  });

  it('serves the WebSocket and gRPC as with PocketSphinx: one turn per utterance, partials, words inside their turn', () => {
    for (const result of [overWebSocket, overGrpc]) {
      expect(result.ok).toBe(true);
      expect(result.turns.map((t) => t.turnId)).toEqual([1, 2]);
      expect(result.events.some((e) => e.type === 'transcript.partial')).toBe(true);
      expectWordsInsideTurns(result);
    }
  });

  it('gives the same words over both transports: the engine does not depend on how the audio was chunked', () => {
    expect(overGrpc.turns.map((t) => t.text)).toEqual(overWebSocket.turns.map((t) => t.text));
    expect(overWebSocket.turns.every((t) => t.text.length > 0)).toBe(true);
  });

  it('serves WebRTC too', async () => {
    const overWebrtc = await replay(audio, { webrtc: `http://127.0.0.1:${server.port}`, speed: 1, chunkMs: 20 });
    expect(overWebrtc.ok).toBe(true);
    expect((overWebrtc.events[0] as Started).recognizer.engine).toBe('transducer');
    expect(overWebrtc.turns.map((t) => t.turnId)).toEqual([1, 2]);
    expectWordsInsideTurns(overWebrtc);
  }, 60_000);
});

describe('transducer steps of concurrent sessions', () => {
  it('are batched across sessions by the scheduler, and each session gets the words it gets alone', async () => {
    const utterance = loadLibriVox()[2]!;
    const call = buildCall([utterance.samples], 500);
    const audio = { encoding: 'pcm_s16le' as const, sampleRate: 16000, channels: 1, data: encodeSamples(call.samples, 'pcm_s16le') };
    const server = await startTestServer({ asrEngine: 'transducer', asrModelDir: MODEL_DIR, maxSessions: 8 });
    try {
      const alone = await replay(audio, { url: server.url, speed: 0, chunkMs: 100 });
      const before = await fetchMetrics(server.port);
      const together = await Promise.all(Array.from({ length: 6 }, () => replay(audio, { url: server.url, speed: 0, chunkMs: 100 })));
      const after = await fetchMetrics(server.port);
      for (const result of together) expect(result.turns.map((t) => t.text)).toEqual(alone.turns.map((t) => t.text));
      const model = { model: 'transducer' };
      const steps = metricValue(after.metrics, 'parley_model_batch_size_sum', model)! - metricValue(before.metrics, 'parley_model_batch_size_sum', model)!;
      const batches = metricValue(after.metrics, 'parley_model_batch_size_count', model)! - metricValue(before.metrics, 'parley_model_batch_size_count', model)!;
      // Six sessions sending as fast as the server reads: their steps share encoder runs.
      expect(steps / batches).toBeGreaterThan(2);
      expect(metricValue(after.metrics, 'parley_model_service_seconds_count', model)).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  }, 120_000);
});

describe('PARLEY_ONNX_PROVIDER=cuda without a CUDA runtime', () => {
  it('serves on the CPU and says so in the log', async () => {
    const { log, lines } = captureLog();
    const server = await startTestServer({ asrEngine: 'transducer', asrModelDir: MODEL_DIR, onnxProvider: 'cuda' }, { log });
    try {
      expect(lines.find((l) => l.event === 'onnx_provider_fallback')).toMatchObject({ level: 40, requested: 'cuda', used: 'cpu' });
      expect(lines.find((l) => l.event === 'ready')).toMatchObject({ execution_provider: 'cpu' });
      const result = await replay(
        { encoding: 'pcm_s16le', sampleRate: 16000, channels: 1, data: encodeSamples(buildCall([loadLibriVox()[1]!.samples], 500).samples, 'pcm_s16le') },
        { url: server.url, speed: 0, chunkMs: 100 },
      );
      expect(result.turns).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});

describe('a transducer worker that dies', () => {
  it('ends the sessions whose streams it held with engine_failure, reports not ready, restarts, and serves again', async () => {
    const { log, lines } = captureLog();
    const server = await startTestServer({ asrEngine: 'transducer', asrModelDir: MODEL_DIR }, { log });
    const speech = { encoding: 'pcm_s16le' as const, sampleRate: 16000, channels: 1, data: SPEECH };
    try {
      const before = await replay(speech, { url: server.url, speed: 0, chunkMs: 40 });
      expect(before.turns.length).toBeGreaterThan(0);
      const engine = (server.engines()!.asr as StreamingAsrEngine<TransducerEngine>).model;
      const busy = await busySessions(server.url, SPEECH);
      await Promise.all(busy.peers.map((peer) => peer.next('speech.started')));
      await terminateBetweenRuns(engine.workerThread);

      for (const peer of busy.peers) await expectEndedByEngineFailure(peer);
      await busy.stop();
      await waitFor(() => server.registry.activeSessions === 0 && engine.openStreams === 0);
      expect(lines.find((l) => l.event === 'engine_failed')).toMatchObject({ engine: 'asr', detail: expect.stringMatching(/exited/) });

      await waitFor(() => engine.healthy, 15_000);
      await waitFor(() => server.host.serving, 1000);
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
      const after = await replay(speech, { url: server.url, speed: 0, chunkMs: 40 });
      expect(after.turns.map((t) => t.text)).toEqual(before.turns.map((t) => t.text));
      const { metrics } = await fetchMetrics(server.port);
      expect(metricValue(metrics, 'parley_engine_restarts_total', { engine: 'asr' })).toBe(1);
      expect(lines.map((l) => l.event)).toEqual(expect.arrayContaining(['engine_failed', 'engine_restarted', 'session_error']));
    } finally {
      await server.close();
    }
  });

  it('reports /healthz 503 while no worker serves, and 200 once the new one does', async () => {
    const server = await startTestServer({ asrEngine: 'transducer', asrModelDir: MODEL_DIR });
    try {
      const engine = (server.engines()!.asr as StreamingAsrEngine<TransducerEngine>).model;
      // Idle (no session): nothing runs on the worker.
      await engine.workerThread.terminate();
      await waitFor(() => !engine.healthy);
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(503);
      await waitFor(() => engine.healthy, 15_000);
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('PARLEY_ASR_ENGINE=transducer refusals at start', () => {
  it('refuses a missing or unusable model folder before serving, naming it', async () => {
    await expect(startTestServer({ asrEngine: 'transducer', asrModelDir: undefined })).rejects.toThrow(/needs PARLEY_ASR_MODEL_DIR/);
    await expect(startTestServer({ asrEngine: 'transducer', asrModelDir: '/nonexistent/model' })).rejects.toThrow(/cannot read the model folder \/nonexistent\/model/);
    await expect(startTestServer({ asrEngine: 'transducer', asrModelDir: join(projectRoot(), 'test', 'fixtures', 'fbank') })).rejects.toThrow(/has no tokens.txt/);
  });
});
