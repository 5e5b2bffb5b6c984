import { DEFAULT_SERVER_OPTIONS } from '../../server/config/server-options.js';
import type { VadEngine } from '../../models/vad/vad-engine.js';
import type { AsrEngine } from '../../models/asr/asr-engine.js';
import type { EndOfTurnInput } from '../../models/turn/end-of-turn-features.js';
import { EndOfTurnModel } from '../../models/turn/end-of-turn-model.js';
import { ChannelPipeline } from '../../server/pipeline/channel-pipeline.js';
import type { WorkScheduler } from '../../server/scheduler/work-scheduler.js';
import { resampleTo16k } from '../../test/support/audio-fixtures.js';
import { defaultPipelineOptions } from '../../test/support/pipeline-options.js';
import type { CorpusCall } from './corpus-calls.js';
import { pauseInsideTurn } from './turn-truth.js';

/** One pause as the end-of-turn model saw it, chunk by chunk, labelled by the call's truth. */
export interface ExtractedPause {
  callId: string;
  channel: number;
  speechEndMs: number;
  /** true: within a true turn; false: a true turn end. Pauses that are neither are left out. */
  insideTurn: boolean;
  /** The model's input after each chunk of the pause, in order. */
  points: EndOfTurnInput[];
}

export interface PauseExtractionOptions {
  /** A pause is followed this far at most (its turn ends there). */
  maxSilenceMs: number;
  /** Audio pushed at a time, and the recognizer lag allowed before more is pushed (ms). */
  pushMs: number;
}

const SAMPLES_PER_MS = 16;

/**
 * Runs one channel through the server's own pipeline in model mode, with thresholds that never
 * end a turn before `maxSilenceMs`, and records what the estimator computed at every chunk of
 * every pause: the features the model is fitted on are exactly those it serves with. Audio is
 * pushed no faster than the recognizer decodes it, so the words at a pause are those a
 * real-time session has (give or take the last piece).
 */
export async function extractChannelPauses(
  call: CorpusCall,
  channel: number,
  engines: { vad: VadEngine; asr: AsrEngine; scheduler: WorkScheduler },
  options: PauseExtractionOptions,
): Promise<ExtractedPause[]> {
  const samples = resampleTo16k(call.channels[channel]!, call.sampleRate);
  const byPause = new Map<number, EndOfTurnInput[]>();
  let failure: unknown;
  let progressed: () => void = () => undefined;
  const key = `${call.id}/${channel}`;
  const pipeline = new ChannelPipeline(
    defaultPipelineOptions(key, {
      endMs: options.maxSilenceMs,
      interimResults: false,
      endOfTurn: {
        model: new EndOfTurnModel(),
        thresholds: { eotThreshold: Infinity, eagerEotThreshold: Infinity, minEndMs: options.maxSilenceMs, maxEndMs: options.maxSilenceMs },
        deadlineMs: 1000,
        minIntervalMs: DEFAULT_SERVER_OPTIONS.endOfTurnMinIntervalMs,
        observer: (input, _probability, speechEndMs) => {
          const points = byPause.get(speechEndMs) ?? [];
          points.push(input);
          byPause.set(speechEndMs, points);
        },
      },
    }),
    engines.vad.openStream(),
    engines.asr.openStream({ key }),
    engines.scheduler,
    {
      emit: () => undefined,
      fail: (error) => (failure ??= error),
      progressed: () => progressed(),
    },
  );
  const push = options.pushMs * SAMPLES_PER_MS;
  // Progress is reported by the pipeline; the timer only guards against waiting on none.
  const nextProgress = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 200);
      progressed = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  try {
    for (let at = 0; at < samples.length && failure === undefined; at += push) {
      pipeline.push(samples.subarray(at, at + push), performance.now());
      while (pipeline.bufferedMs > options.pushMs && failure === undefined) await nextProgress();
    }
    await pipeline.finish();
  } finally {
    pipeline.close();
  }
  if (failure !== undefined) throw failure;
  const truth = call.truth[channel]!;
  const pauses: ExtractedPause[] = [];
  for (const [speechEndMs, points] of byPause) {
    const insideTurn = pauseInsideTurn(truth, speechEndMs);
    if (insideTurn !== undefined) pauses.push({ callId: call.id, channel, speechEndMs, insideTurn, points });
  }
  return pauses;
}
