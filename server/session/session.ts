import { randomUUID } from 'node:crypto';
import { decodeSamples } from '../../audio/pcm-decoder.js';
import { deinterleave } from '../../audio/deinterleave.js';
import { StreamingResampler } from '../../audio/resampler.js';
import { bytesPerSample } from '../../audio/audio-encoding.js';
import type { AsrEngine, AsrStream } from '../../models/asr/asr-engine.js';
import type { VadEngine } from '../../models/vad/vad-engine.js';
import { ParleyError } from '../../proto/errors.js';
import type { ChannelEvent, RecognizerInfo, ServerEvent, SessionEndedEvent, SessionEndReason } from '../../proto/messages.js';
import type { SessionConfig, SessionLimits } from '../../proto/session-config.js';
import { ChannelPipeline, type ChannelPipelineOptions } from '../pipeline/channel-pipeline.js';
import { EndOfTurnModel } from '../../models/turn/end-of-turn-model.js';
import type { PitchTracking } from '../../models/turn/pitch-tracking.js';
import type { WorkScheduler } from '../scheduler/work-scheduler.js';

const PIPELINE_RATE = 16000;

export interface SessionEngines {
  vad: VadEngine;
  asr: AsrEngine;
  /** Tracks the pitch of pauses for the end-of-turn model. */
  pitch: PitchTracking;
  /** The recognizer and model `asr` runs, as `session.started` names them. */
  recognizer: RecognizerInfo;
}

/** What sessions share: the engines and the scheduler that runs their work. */
export interface SessionRuntime extends SessionEngines {
  scheduler: WorkScheduler;
}

export interface SessionOptions {
  limits: SessionLimits;
  finalPassWaitMs: number;
  partialDeadlineMs: number;
  maxDecodeMs: number;
  preRollMs: number;
  recognizerTrailingSilenceMs: number;
  /** Deadline of a pause's end-of-turn features after its audio arrived. */
  endOfTurnDeadlineMs: number;
  /** A pause this close (audio ms) to the last one whose prosody was computed reuses it. */
  endOfTurnMinIntervalMs: number;
}

/** Where a session's output goes: a transport adapts it to its own wire. */
export interface SessionSink {
  event(event: ServerEvent): void;
  /** Buffered audio fell below the limit again: the transport may read more. */
  drain(): void;
  /** The session is over; `session.ended` (if any) has been sent. */
  ended(reason: SessionEndReason): void;
}

/** `stopping`: after the client's `stop`; `draining`: after `shutdown()`. */
type Phase = 'running' | 'stopping' | 'draining' | 'ended';

/**
 * One call: decodes the negotiated audio, splits channels, resamples to 16 kHz and feeds
 * one pipeline per channel. Transport-agnostic; every transport drives it the same way.
 */
export class Session {
  readonly id = randomUUID();
  /** Which recognizer and model produce this session's transcripts. */
  readonly recognizer: RecognizerInfo;
  private readonly pipelines: ChannelPipeline[];
  private readonly resamplers: StreamingResampler[];
  private readonly frameBytes: number;
  private phase: Phase = 'running';
  private paused = false;
  /** Gives up waiting for recognizer streams once the session ends. */
  private readonly openAbort = new AbortController();
  private shuttingDown: Promise<void> | null = null;

  constructor(
    readonly config: SessionConfig,
    private readonly options: SessionOptions,
    runtime: SessionRuntime,
    private readonly sink: SessionSink,
  ) {
    this.recognizer = runtime.recognizer;
    this.frameBytes = bytesPerSample(config.encoding) * config.channels;
    this.resamplers = [];
    const opening: Promise<AsrStream>[] = [];
    for (let c = 0; c < config.channels; c++) {
      this.resamplers.push(new StreamingResampler(config.sample_rate, PIPELINE_RATE));
      opening.push(runtime.asr.openStream({ signal: this.openAbort.signal, key: `${this.id}/${c}` }));
    }
    // session.started goes out before any pipeline may emit: each waits for it.
    const started = Promise.allSettled(opening).then((results) => {
      const streams = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      // Streams that did open are released when another failed or the session ended meanwhile.
      if (failed || this.phase === 'ended') streams.forEach((s) => s.close());
      if (failed) throw failed.reason;
      if (this.phase !== 'ended') this.sink.event({ type: 'session.started', session_id: this.id, config, limits: options.limits, recognizer: this.recognizer });
      return streams;
    });
    started.catch((error) => this.fail(error));
    this.pipelines = this.resamplers.map(
      (_, channel) =>
        new ChannelPipeline(
          {
            channel,
            key: `${this.id}/${channel}`,
            eagerEndMs: config.eager_end_ms,
            endMs: config.end_ms,
            interimResults: config.interim_results,
            preRollMs: options.preRollMs,
            recognizerTrailingSilenceMs: options.recognizerTrailingSilenceMs,
            finalPassWaitMs: options.finalPassWaitMs,
            partialDeadlineMs: options.partialDeadlineMs,
            maxDecodeMs: options.maxDecodeMs,
            maxTurnMs: options.limits.max_turn_ms,
            maxPartialWords: options.limits.max_partial_words,
            endOfTurn: config.end_of_turn === 'model' ? endOfTurnOptions(config, options, runtime.pitch) : undefined,
          },
          runtime.vad.openStream(),
          started.then((streams) => streams[channel]!),
          runtime.scheduler,
          {
            emit: (event: ChannelEvent) => this.emit(event),
            fail: (error: unknown) => this.fail(error),
            progressed: () => this.checkDrain(),
          },
        ),
    );
  }

  get isEnded(): boolean {
    return this.phase === 'ended';
  }

  /** Per-channel counts so far (audio, turns, ...), as `session.ended` reports them. */
  get stats(): SessionEndedEvent['stats'] {
    return { channels: this.pipelines.map((p) => p.channelStats) };
  }

  /**
   * Takes one message of raw audio. Returns false when the buffered audio is over the
   * limit: the caller should stop reading until `drain`. Bad audio throws a ParleyError.
   */
  pushAudio(bytes: Uint8Array, receivedAtMs = performance.now()): boolean {
    // The server is draining: the turns have ended, what still arrives is not the client's fault.
    if (this.phase === 'draining') return true;
    if (this.phase !== 'running') throw new ParleyError('bad_message', 'audio after stop is not accepted');
    if (bytes.length % this.frameBytes !== 0) {
      throw new ParleyError(
        'bad_audio',
        `an audio message must hold whole frames of ${this.frameBytes} bytes (${this.config.encoding}, ${this.config.channels} channel(s)); got ${bytes.length} bytes`,
      );
    }
    const channels = deinterleave(decodeSamples(bytes, this.config.encoding, this.config.channels), this.config.channels);
    channels.forEach((samples, c) => this.pipelines[c]!.push(this.resamplers[c]!.process(samples), receivedAtMs));
    this.paused = this.bufferedMs > this.options.limits.max_buffered_audio_ms;
    return !this.paused;
  }

  /** Ends every channel's current turn now. */
  finalize(): void {
    if (this.phase === 'running') this.pipelines.forEach((p) => p.finalize());
  }

  /** No more audio: finishes every channel, sends `session.ended`. */
  async stop(): Promise<void> {
    if (this.phase !== 'running') return;
    this.phase = 'stopping';
    const now = performance.now();
    await Promise.all(
      this.pipelines.map((pipeline, c) => {
        pipeline.push(this.resamplers[c]!.flush(), now);
        return pipeline.finish();
      }),
    );
    if (this.phase === 'stopping') this.end('stop');
  }

  /**
   * Server drain (`server_shutdown`) or the session's time limit (`max_duration`): every
   * channel's open turn ends now with `turn.end` of that reason (the best text within
   * `finalPassWaitMs`), then `session.ended` of that reason. Audio not yet processed is
   * dropped. Idempotent; `close()` still ends it at once.
   */
  shutdown(reason: 'server_shutdown' | 'max_duration' = 'server_shutdown'): Promise<void> {
    if (this.phase === 'ended') return Promise.resolve();
    this.shuttingDown ??= this.endForShutdown(reason);
    return this.shuttingDown;
  }

  /** Ends the session now, dropping queued audio. `session.ended` is sent unless the client is gone. Idempotent. */
  close(reason: SessionEndReason): void {
    if (this.phase === 'ended') return;
    this.end(reason);
  }

  private async endForShutdown(reason: 'server_shutdown' | 'max_duration'): Promise<void> {
    this.phase = 'draining';
    await Promise.all(this.pipelines.map((p) => p.shutdown(reason)));
    if (this.phase === 'draining') this.end(reason);
  }

  private get bufferedMs(): number {
    return Math.max(...this.pipelines.map((p) => p.bufferedMs));
  }

  private emit(event: ServerEvent): void {
    if (this.phase !== 'ended') this.sink.event(event);
  }

  private checkDrain(): void {
    if (this.paused && this.bufferedMs <= this.options.limits.max_buffered_audio_ms) {
      this.paused = false;
      this.sink.drain();
    }
  }

  private fail(error: unknown): void {
    if (this.phase === 'ended') return;
    const parley =
      error instanceof ParleyError ? error : new ParleyError('engine_failure', `recognition failed: ${String(error)}`, true);
    this.emit({ type: 'error', code: parley.code, message: parley.message, fatal: true });
    this.end('error');
  }

  private end(reason: SessionEndReason): void {
    if (reason !== 'client_gone') this.emit({ type: 'session.ended', reason, stats: this.stats });
    this.phase = 'ended';
    this.openAbort.abort();
    this.pipelines.forEach((p) => p.close());
    this.sink.ended(reason);
  }
}

/** Model mode's pipeline options from the session config. The model is stateless: one per server. */
function endOfTurnOptions(config: SessionConfig, options: SessionOptions, pitch: PitchTracking): ChannelPipelineOptions['endOfTurn'] {
  return {
    model: END_OF_TURN_MODEL,
    thresholds: {
      eotThreshold: config.eot_threshold,
      eagerEotThreshold: config.eager_eot_threshold,
      minEndMs: config.min_end_ms,
      maxEndMs: config.max_end_ms,
    },
    deadlineMs: options.endOfTurnDeadlineMs,
    minIntervalMs: options.endOfTurnMinIntervalMs,
    pitch,
  };
}

const END_OF_TURN_MODEL = new EndOfTurnModel();
