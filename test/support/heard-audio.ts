import { concatSamples } from '../../audio/concat-samples.js';
import type { PocketSphinxEngine } from '../../models/asr/pocketsphinx/pocketsphinx-engine.js';
import type { VadEngine } from '../../models/vad/vad-engine.js';
import type { ChannelEvent } from '../../proto/messages.js';
import { ChannelPipeline, type ChannelPipelineOptions } from '../../server/pipeline/channel-pipeline.js';
import type { WorkScheduler } from '../../server/scheduler/work-scheduler.js';
import { CountingStream, type AsrCall } from './counting-asr-stream.js';
import { defaultPipelineOptions } from './pipeline-options.js';

const PUSH_SAMPLES = 320;

export interface HeardCall {
  events: ChannelEvent[];
  /** Each utterance as the recognizer heard it, in order, 16 kHz. */
  heard: Float32Array[];
}

/** Each utterance's accepted audio, joined, back in float samples (exactly: the int16 scale is a power of two). */
function utterances(log: readonly AsrCall[]): Float32Array[] {
  const pieces: Float32Array[][] = [];
  for (const call of log) {
    if (call.method === 'startUtterance') pieces.push([]);
    else if (call.method === 'accept') pieces.at(-1)!.push(call.samples);
  }
  return pieces.map(concatSamples);
}

/**
 * Streams 16 kHz audio, as fast as it is taken, through one ChannelPipeline on the real
 * engines with the server's default options (or a test's `overrides`), and keeps what its
 * recognizer heard.
 */
export async function runChannel(
  audio: Float32Array,
  engines: { vad: VadEngine; asr: PocketSphinxEngine; scheduler: WorkScheduler },
  overrides: Partial<ChannelPipelineOptions> = {},
): Promise<HeardCall> {
  const log: AsrCall[] = [];
  const events: ChannelEvent[] = [];
  let failure: unknown;
  const stream = new CountingStream(await engines.asr.openStream(), 'channel', log);
  const pipeline = new ChannelPipeline(
    defaultPipelineOptions('channel', overrides),
    engines.vad.openStream(),
    Promise.resolve(stream),
    engines.scheduler,
    { emit: (event) => events.push(event), fail: (error) => (failure ??= error), progressed: () => undefined },
  );
  for (let at = 0; at < audio.length; at += PUSH_SAMPLES) pipeline.push(audio.subarray(at, at + PUSH_SAMPLES), performance.now());
  await pipeline.finish();
  pipeline.close();
  if (failure !== undefined) throw failure;
  return { events, heard: utterances(log) };
}

/** Each turn's text after its end-of-utterance pass: `turn.end`, or the last correction that followed it. */
export function finalTexts(events: readonly ChannelEvent[]): string[] {
  return events
    .filter((e) => e.type === 'turn.end')
    .map((end) => {
      const corrected = events.filter((e) => e.type === 'transcript.corrected' && e.turn_id === end.turn_id).at(-1);
      return corrected && 'text' in corrected ? corrected.text : end.text;
    });
}
