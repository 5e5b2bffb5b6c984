import { deinterleave } from '../../audio/deinterleave.js';
import { decodeSamples } from '../../audio/pcm-decoder.js';
import { replay } from '../../clients/replay.js';
import { PocketSphinxEngine } from '../../models/asr/pocketsphinx/pocketsphinx-engine.js';
import { SERVING_SEARCH_ARGS } from '../../models/asr/pocketsphinx/search-args.js';
import { VadEngine } from '../../models/vad/vad-engine.js';
import type { ServerOptions } from '../../server/config/server-options.js';
import type { ChannelPipelineOptions } from '../../server/pipeline/channel-pipeline.js';
import { WorkScheduler } from '../../server/scheduler/work-scheduler.js';
import { resampleTo16k } from '../../test/support/audio-fixtures.js';
import type { TelephoneCall } from '../../test/support/grpc-telephone-call.js';
import { finalTexts, runChannel } from '../../test/support/heard-audio.js';
import { startTestServer } from '../../test/support/test-server.js';

/** A call's final texts, per channel, in turn order. */
export type ChannelTexts = string[][];

/**
 * Replays `call` over the WebSocket to a real Parley server (in this process, default options
 * plus `overrides`) at `speed`, and returns each channel's finals after corrections.
 */
export async function serverTexts(call: TelephoneCall, speed: number, overrides: Partial<ServerOptions>): Promise<ChannelTexts> {
  const server = await startTestServer({ prewarmDecoders: call.channels, ...overrides });
  try {
    const result = await replay(
      { encoding: call.encoding, sampleRate: call.sampleRate, channels: call.channels, data: call.data },
      { url: server.url, speed, chunkMs: 20 },
    );
    if (!result.ok) throw new Error(`telephone call ended with close code ${result.closeCode}`);
    return Array.from({ length: call.channels }, (_, c) => result.turns.filter((t) => t.channel === c).map((t) => t.text));
  } finally {
    await server.close();
  }
}

export interface HeardChannel {
  /** Finals of the server's channel pipeline run in this process. */
  texts: string[];
  /** Each turn's audio exactly as that pipeline's recognizer heard it, 16 kHz. */
  heard: Float32Array[];
}

/**
 * Each channel of `call` decoded and upsampled as a session does, then run through the
 * server's channel pipeline in this process (default pipeline options plus `overrides`),
 * keeping what its recognizer heard: the segmentation PocketSphinx alone is then run on.
 */
export async function heardChannels(call: TelephoneCall, overrides: Partial<ChannelPipelineOptions>): Promise<HeardChannel[]> {
  const channels = deinterleave(decodeSamples(call.data, call.encoding, call.channels), call.channels);
  const [vad, asr] = await Promise.all([VadEngine.load({ thread: 'caller' }), PocketSphinxEngine.create({ decoderArgs: SERVING_SEARCH_ARGS })]);
  const scheduler = new WorkScheduler({ concurrency: 2, urgentReserve: 1, utilizationWindowMs: 1000 });
  try {
    const out: HeardChannel[] = [];
    for (const samples of channels) {
      const { events, heard } = await runChannel(resampleTo16k(samples, call.sampleRate), { vad, asr, scheduler }, overrides);
      out.push({ texts: finalTexts(events), heard });
    }
    return out;
  } finally {
    scheduler.close();
    await Promise.all([vad.close(), asr.close()]);
  }
}
