import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSamples } from '../../audio/pcm-decoder.js';
import type { ServerEvent, SessionEndReason } from '../../proto/messages.js';
import { concatAudio, goForward, silence } from '../../test/support/audio-fixtures.js';
import { DEFAULT_SERVER_OPTIONS, DEFAULT_SESSION_CONFIG } from '../config/server-options.js';
import { closeEngines, loadEngines } from '../engines.js';
import { WorkScheduler } from '../scheduler/work-scheduler.js';
import { Session, type SessionRuntime } from './session.js';

function collectingSink() {
  const events: ServerEvent[] = [];
  const sink = {
    events,
    drains: 0,
    endedWith: null as SessionEndReason | null,
    event: (e: ServerEvent) => events.push(e),
    drain: () => sink.drains++,
    ended: (reason: SessionEndReason) => {
      sink.endedWith = reason;
    },
  };
  return sink;
}

const { finalPassWaitMs, partialDeadlineMs, maxDecodeMs, preRollMs, recognizerTrailingSilenceMs } = DEFAULT_SERVER_OPTIONS;
const options = (maxBufferedMs: number) => ({
  limits: { max_message_bytes: 1 << 20, max_buffered_audio_ms: maxBufferedMs, idle_timeout_ms: 30_000 },
  finalPassWaitMs,
  partialDeadlineMs,
  maxDecodeMs,
  preRollMs,
  recognizerTrailingSilenceMs,
});

describe('Session', () => {
  let runtime: SessionRuntime;
  beforeAll(async () => {
    const scheduler = new WorkScheduler({ concurrency: 2, urgentReserve: 1, utilizationWindowMs: 1000 });
    runtime = { ...(await loadEngines({ prewarmDecoders: 1, scheduler, vadDeadlineMs: 25, vadMaxWaitMs: 0 })), scheduler };
  });
  afterAll(() => closeEngines(runtime));

  it('asks the transport to stop reading past max_buffered_audio_ms, drains, and loses no audio', async () => {
    const sink = collectingSink();
    const session = new Session(DEFAULT_SESSION_CONFIG, options(200), runtime, sink);
    const audio = encodeSamples(concatAudio(silence(300), goForward(), silence(1000)), 'pcm_s16le');
    const accepted = session.pushAudio(audio);
    expect(accepted).toBe(false);
    await session.stop();
    expect(sink.drains).toBeGreaterThanOrEqual(1);
    expect(sink.endedWith).toBe('stop');
    const ended = sink.events.at(-1) as Extract<ServerEvent, { type: 'session.ended' }>;
    expect(ended.stats.channels[0]!.audio_ms).toBeCloseTo(audio.length / 32, 0);
    expect(sink.events.filter((e) => e.type === 'turn.end').map((e) => (e as { text: string }).text)).toEqual([
      'go forward ten meters',
    ]);
  });

  it('accepts audio below the limit and sends session.started first', async () => {
    const sink = collectingSink();
    const session = new Session(DEFAULT_SESSION_CONFIG, options(5000), runtime, sink);
    expect(session.pushAudio(encodeSamples(silence(100), 'pcm_s16le'))).toBe(true);
    await session.stop();
    expect(sink.events.map((e) => e.type)).toEqual(['session.started', 'session.ended']);
  });

  it('rejects audio once closed, and close is idempotent', () => {
    const sink = collectingSink();
    const session = new Session(DEFAULT_SESSION_CONFIG, options(5000), runtime, sink);
    session.close('client_gone');
    session.close('error');
    expect(sink.endedWith).toBe('client_gone');
    expect(sink.events).toEqual([]);
    expect(() => session.pushAudio(new Uint8Array(2))).toThrowError(expect.objectContaining({ code: 'bad_message' }));
  });
});
