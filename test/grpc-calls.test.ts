import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSamples } from '../audio/pcm-decoder.js';
import { replay, type ReplayAudio, type ReplayResult } from '../clients/replay.js';
import { wordErrorRate } from '../clients/wer.js';
import type { AudioEncoding } from '../proto/session-config.js';
import { concatAudio, goForward, silence } from './support/audio-fixtures.js';
import { buildTelephoneCall, loadTelephonePrompts, TELEPHONE_CORPUS_PRESENT, type TelephoneCall } from './support/grpc-telephone-call.js';
import { rawEngineTranscripts } from './support/raw-engine.js';
import { startTestServer } from './support/test-server.js';

const GAP_MS = 1000;
/**
 * Caller and agent take turns: even prompts on channel 0, odd ones on channel 1. Prompts that
 * PocketSphinx alone mostly gets right at 8 kHz (each channel's first turn still suffers from
 * the recognizer's cold cepstral mean), so the comparison measures Parley, not noise.
 */
const CONVERSATION = [
  'conf-nonextended.wav',
  'crashing_conf.wav',
  'vm-rec-name.wav',
  'challenge_try_again.wav',
  'privacy-stop-calling-not-welcome.wav',
  'queue-callswaiting.wav',
];

/** Word error rate over all of a call's turns against their transcripts. */
function callWer(call: TelephoneCall, texts: string[][]): number {
  return wordErrorRate(call.turns.flat().map((t) => t.transcript).join(' '), texts.flat().join(' '));
}

/** PocketSphinx alone, one decoder per channel as Parley has, fed that channel's utterances in order. */
async function rawTexts(call: TelephoneCall): Promise<string[][]> {
  const texts: string[][] = [];
  for (const turns of call.turns) texts.push(await rawEngineTranscripts(turns.map((t) => t.heard16k)));
  return texts;
}

function textsByChannel(result: ReplayResult, channels: number): string[][] {
  return Array.from({ length: channels }, (_, c) => result.turns.filter((t) => t.channel === c).map((t) => t.text));
}

// The telephone prompts come from ../shared/corpus, which CI places beside the clone.
describe.skipIf(!TELEPHONE_CORPUS_PRESENT)('telephone calls over gRPC', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  // Calls run back to back at full speed: load-based admission would refuse the next one.
  beforeAll(async () => {
    server = await startTestServer({ prewarmDecoders: 4, admissionMaxUtilization: 1 });
  });
  afterAll(() => server?.close());

  const replayCall = (audio: ReplayAudio, labels: Record<string, string>) =>
    replay(audio, { grpc: `127.0.0.1:${server.grpcPort}`, speed: 0, chunkMs: 40, config: { labels } });

  const calls = new Map<AudioEncoding, TelephoneCall>();
  const soloRuns = new Map<AudioEncoding, Promise<ReplayResult>>();
  /** The conversation replayed alone, once per encoding. */
  function replaySolo(encoding: AudioEncoding): { call: TelephoneCall; result: Promise<ReplayResult> } {
    if (!calls.has(encoding)) calls.set(encoding, buildTelephoneCall(loadTelephonePrompts(CONVERSATION), encoding, 2, GAP_MS));
    const call = calls.get(encoding)!;
    if (!soloRuns.has(encoding)) soloRuns.set(encoding, replayCall(call, { call_id: `call-${encoding}`, agent_id: 'agent-7' }));
    return { call, result: soloRuns.get(encoding)! };
  }

  // The en-US model is wideband: telephone audio is its weak spot, so the reference is
  // PocketSphinx alone on the same 8 kHz audio, not the transcript.
  it.each<[AudioEncoding]>([['mulaw'], ['alaw']])(
    'a two-channel %s 8 kHz call gives each channel its turns in order, no worse than PocketSphinx alone',
    async (encoding) => {
      const solo = replaySolo(encoding);
      const result = await solo.result;
      expect(result).toMatchObject({ ok: true, closeCode: status.OK });
      expect(result.events[0]).toMatchObject({
        type: 'session.started',
        config: { encoding, sample_rate: 8000, channels: 2, labels: { call_id: `call-${encoding}`, agent_id: 'agent-7' } },
      });
      for (let c = 0; c < 2; c++) {
        expect(result.turns.filter((t) => t.channel === c).map((t) => t.turnId)).toEqual([1, 2, 3]);
      }
      // The parties alternate in audio time, as the call was built (channels run
      // independently, so their events may interleave differently on the wire).
      const ends = result.events.filter((e) => e.type === 'turn.end').sort((a, b) => a.speech_end_ms - b.speech_end_ms);
      expect(ends.map((e) => e.channel)).toEqual([0, 1, 0, 1, 0, 1]);
      const wer = callWer(solo.call, textsByChannel(result, 2));
      expect(wer).toBeLessThanOrEqual(callWer(solo.call, await rawTexts(solo.call)) + 0.1);
      expect(result.events.at(-1)).toMatchObject({
        type: 'session.ended',
        reason: 'stop',
        stats: { channels: [{ channel: 0, turns: 3 }, { channel: 1, turns: 3 }] },
      });
    },
  );

  // Parley is deterministic in audio time: a call replayed beside another must give exactly
  // what it gives alone, and the other call exactly its own words.
  it('two concurrent calls do not mix: each gets exactly its own text', async () => {
    const solo = replaySolo('mulaw');
    const alone = await solo.result;
    const turn = concatAudio(silence(300), goForward(), silence(GAP_MS));
    const data = encodeSamples(concatAudio(turn, turn), 'pcm_s16le');
    const other: ReplayAudio = { encoding: 'pcm_s16le', sampleRate: 16000, channels: 1, data };
    const [telephone, clean] = await Promise.all([
      replayCall(solo.call, { call_id: 'concurrent-telephone' }),
      replayCall(other, { call_id: 'concurrent-clean' }),
    ]);
    expect(telephone.events[0]).toMatchObject({ config: { labels: { call_id: 'concurrent-telephone' } } });
    expect(clean.events[0]).toMatchObject({ config: { labels: { call_id: 'concurrent-clean' } } });
    expect(textsByChannel(telephone, 2)).toEqual(textsByChannel(alone, 2));
    expect(clean.turns.map((t) => [t.channel, t.text])).toEqual([
      [0, 'go forward ten meters'],
      [0, 'go forward ten meters'],
    ]);
  });
});
