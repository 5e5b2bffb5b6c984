import { bytesPerSample } from '../audio/audio-encoding.js';
import type { ServerEvent, TurnEndEvent, TranscriptCorrectedEvent } from '../proto/messages.js';
import type { AudioEncoding } from '../proto/session-config.js';
import { openParleyCall, type CallTarget } from './parley-call.js';

export interface ReplayAudio {
  encoding: AudioEncoding;
  sampleRate: number;
  channels: 1 | 2;
  /** Interleaved audio in `encoding`. */
  data: Uint8Array;
}

/**
 * `url`: the WebSocket, e.g. ws://localhost:8080/v1/listen; `grpc`: host:port, replays over gRPC
 * instead; `webrtc`: the server's base URL, e.g. http://localhost:8080, replays over WebRTC (mono
 * only, paced in real time by the audio track whatever `speed` says).
 */
export interface ReplayOptions extends CallTarget {
  /** 1 is real time, 2 twice as fast; 0 sends as fast as the server reads. */
  speed: number;
  /** Audio per message. */
  chunkMs: number;
  /** Extra session config for the `start` message. */
  config?: Record<string, unknown>;
  onEvent?: (event: ServerEvent) => void;
}

export interface ReplayedTurn {
  channel: number;
  turnId: number;
  /** Final text, after any `transcript.corrected`. */
  text: string;
  end: TurnEndEvent;
}

export interface ReplayResult {
  events: ServerEvent[];
  turns: ReplayedTurn[];
  /** WebSocket close code, gRPC status code, or the WebRTC POST's HTTP status. */
  closeCode: number;
  /** The session ended normally: close 1000, gRPC status OK, or WebRTC's `session.ended` `stop`. */
  ok: boolean;
}

/** Streams a recorded call to a Parley server at the given pace and collects what comes back. */
export async function replay(audio: ReplayAudio, options: ReplayOptions): Promise<ReplayResult> {
  const events: ServerEvent[] = [];
  const client = openParleyCall(
    options,
    { encoding: audio.encoding, sample_rate: audio.sampleRate, channels: audio.channels, ...options.config },
    (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  );
  await client.started;

  const frameBytes = bytesPerSample(audio.encoding) * audio.channels;
  const chunkBytes = Math.max(1, Math.round((audio.sampleRate * options.chunkMs) / 1000)) * frameBytes;
  const startedAt = performance.now();
  for (let offset = 0, i = 0; offset < audio.data.length; offset += chunkBytes, i++) {
    if (options.speed > 0) await sleepUntil(startedAt + (i * options.chunkMs) / options.speed);
    await client.sendAudio(audio.data.subarray(offset, offset + chunkBytes));
  }
  await client.stop();
  const { closeCode, ok } = await client.closed;
  return { events, turns: collectTurns(events), closeCode, ok };
}

function collectTurns(events: ServerEvent[]): ReplayedTurn[] {
  const turns = new Map<string, ReplayedTurn>();
  for (const event of events) {
    if (event.type === 'turn.end') {
      turns.set(`${event.channel}:${event.turn_id}`, { channel: event.channel, turnId: event.turn_id, text: event.text, end: event });
    } else if (event.type === 'transcript.corrected') {
      applyCorrection(turns.get(`${event.channel}:${event.turn_id}`), event);
    }
  }
  return [...turns.values()];
}

function applyCorrection(turn: ReplayedTurn | undefined, event: TranscriptCorrectedEvent): void {
  if (turn) turn.text = event.text;
}

function sleepUntil(wallMs: number): Promise<void> {
  const wait = wallMs - performance.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
}
