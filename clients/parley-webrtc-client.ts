import { EventEmitter } from 'node:events';
import { decodeSamples } from '../audio/pcm-decoder.js';
import { StreamingResampler } from '../audio/resampler.js';
import type { ErrorCode } from '../proto/errors.js';
import type { ClientMessage, ServerEvent, SessionEndedEvent, SessionEndReason, SessionStartedEvent } from '../proto/messages.js';
import type { AudioEncoding, SessionConfigInput } from '../proto/session-config.js';
import { loadWrtc, type RtcAudioSource, type RtcDataChannel, type RtcIceServer, type RtcMediaStreamTrack, type RtcPeerConnection } from '../proto/webrtc-native.js';
import { PARLEY_DATA_CHANNEL, SDP_CONTENT_TYPE, WEBRTC_PATH, WEBRTC_SESSION_AUDIO, type HttpRefusalBody } from '../proto/webrtc.js';
import { AudioPacer } from './webrtc-audio-pacer.js';

/**
 * How far `sendAudio` may run ahead of the track, and how long the track waits for audio
 * before it starts playing: a writer that keeps real time itself may be this late without
 * leaving gaps of silence in the audio. It is also the latency this client adds.
 */
const LEAD_MS = 200;
/**
 * Silence sent after the last audio before `stop`: `stop` travels on the data channel, the
 * audio on RTP through the server's jitter buffer, and `stop` ends the server's input.
 */
const STOP_TAIL_MS = 200;

export interface ParleyWebrtcClientOptions {
  /** The server's base URL, e.g. http://localhost:8080 */
  url: string;
  /** API key or browser token, sent as `Authorization: Bearer`. */
  apiKey?: string;
  /**
   * Session config, sent as the POST's query. `encoding`, `sample_rate` (and `channels`,
   * which must be 1) describe what `sendAudio` takes; the track carries it as Opus.
   */
  config?: SessionConfigInput;
  iceServers?: RtcIceServer[];
}

/** How a WebRTC call ended. */
export interface WebrtcCallEnd {
  /** The POST's HTTP status: 201 once the session was negotiated, else the refusal's; 0 when the server could not be reached. */
  status: number;
  /** The session ended as agreed: `session.ended` with `stop`, `idle_timeout` or `max_duration`. */
  ok: boolean;
  reason?: SessionEndReason;
  /** Parley's code: of the refusal, or of the fatal `error` event. */
  errorCode?: ErrorCode;
  message?: string;
  /** On a refusal worth retrying: wait at least this long. */
  retryAfterMs?: number;
}

type EventMap = { [E in ServerEvent as E['type']]: [E] };

export interface ParleyWebrtcClientEvents extends EventMap {
  event: [ServerEvent];
  close: [end: WebrtcCallEnd];
}

/**
 * A typed client of Parley's WebRTC ingress (design.md 3b), with the WebSocket client's shape:
 * it offers one send-only audio track fed from `sendAudio` in real time and the `parley` data
 * channel, POSTs the offer, applies the answer, and DELETEs the session on `close()`.
 *
 * A process that used it should end with `process.exit()`: @roamhq/wrtc crashes in Node's
 * exit-time cleanup once an RTCAudioSource has existed (node-webrtc issue #636), even after
 * `closed` has resolved and every native object is released.
 */
export class ParleyWebrtcClient extends EventEmitter<ParleyWebrtcClientEvents> {
  private readonly pc: RtcPeerConnection;
  private readonly source: RtcAudioSource;
  private readonly track: RtcMediaStreamTrack;
  private readonly channel: RtcDataChannel;
  private readonly pacer: AudioPacer;
  private channelOpenedAt: number | undefined;
  private readonly encoding: AudioEncoding;
  private readonly resampler: StreamingResampler;
  private location: URL | null = null;
  private status = 0;
  private fatal: { code: ErrorCode; message: string; retryAfterMs?: number } | null = null;
  private ended: SessionEndedEvent | null = null;
  private finished = false;
  private resolveClosed!: (end: WebrtcCallEnd) => void;
  readonly started: Promise<SessionStartedEvent>;
  /** Resolves once the peer connection is closed (and the session deleted, when `close()` ended it). */
  readonly closed = new Promise<WebrtcCallEnd>((resolve) => (this.resolveClosed = resolve));

  constructor(private readonly options: ParleyWebrtcClientOptions) {
    super();
    const config = options.config ?? {};
    if ((config.channels ?? 1) !== 1) throw new Error('a WebRTC call carries one channel of audio');
    this.encoding = config.encoding ?? 'pcm_s16le';
    this.resampler = new StreamingResampler(config.sample_rate ?? 16000, WEBRTC_SESSION_AUDIO.sample_rate);
    const wrtc = loadWrtc();
    this.pc = new wrtc.RTCPeerConnection({ iceServers: options.iceServers ?? [] });
    this.source = new wrtc.nonstandard.RTCAudioSource();
    this.track = this.source.createTrack();
    this.pc.addTransceiver(this.track, { direction: 'sendonly' });
    this.channel = this.pc.createDataChannel(PARLEY_DATA_CHANNEL);
    this.pacer = new AudioPacer(this.source, LEAD_MS);
    this.channel.onmessage = ({ data }) => {
      if (typeof data === 'string') this.onEvent(JSON.parse(data) as ServerEvent);
    };
    // The config is in the POST's query; `start` tells the server not to wait for more.
    this.channel.onopen = () => {
      this.channelOpenedAt = performance.now();
      this.sendMessage({ type: 'start' });
    };
    this.channel.onclose = () => this.finish();
    this.pc.onconnectionstatechange = () => {
      if (this.pc.connectionState === 'failed') this.finish();
    };
    this.started = new Promise((resolve, reject) => {
      this.once('session.started', resolve);
      void this.closed.then((end) => reject(new Error(notStarted(end))));
    });
    // Callers that never await `started` must not see an unhandled rejection.
    this.started.catch(() => undefined);
    void this.connect(config).catch((error: unknown) => this.finish({ message: error instanceof Error ? error.message : String(error) }));
  }

  /** When the track began playing the first audio sent (see AudioPacer.clockStartedAt): what latency counts from. */
  get audioStartedAt(): number | undefined {
    return this.pacer.clockStartedAt;
  }

  /**
   * When the server's audio clock started, as near as the client can tell: the data channel's
   * opening. The server counts every sample its audio sink delivers from there (design 3b),
   * the silence before this client's first audio included, so its audio time `t` is what this
   * client's track played at this plus `t`. Undefined until the channel opened.
   */
  get serverClockStartedAt(): number | undefined {
    return this.channelOpenedAt;
  }

  /** Mono audio in the configured encoding and rate. Resolves once the track is less than 200 ms behind it. */
  async sendAudio(bytes: Uint8Array): Promise<void> {
    return this.pacer.push(this.resampler.process(decodeSamples(bytes, this.encoding, 1)));
  }

  sendMessage(message: ClientMessage): void {
    if (this.channel.readyState === 'open') this.channel.send(JSON.stringify(message));
  }

  finalize(): void {
    this.sendMessage({ type: 'finalize' });
  }

  /** Plays out the queued audio, sends `stop`, and resolves with `session.ended`. */
  async stop(): Promise<SessionEndedEvent> {
    const ended = new Promise<SessionEndedEvent>((resolve, reject) => {
      this.once('session.ended', resolve);
      void this.closed.then((end) => reject(new Error(`closed (${end.errorCode ?? end.status}) without session.ended`)));
    });
    const tail = this.resampler.flush();
    void this.pacer.push(tail);
    void this.pacer.push(new Float32Array((WEBRTC_SESSION_AUDIO.sample_rate * STOP_TAIL_MS) / 1000));
    await this.pacer.drained();
    this.sendMessage({ type: 'stop' });
    return ended;
  }

  /** Ends the session at once (`DELETE`) and releases the peer connection. Idempotent. */
  close(): void {
    this.finish({}, true);
  }

  private async connect(config: SessionConfigInput): Promise<void> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await gathered(this.pc);
    const url = new URL(WEBRTC_PATH, this.options.url);
    url.search = queryOf(config).toString();
    const headers: Record<string, string> = { 'content-type': SDP_CONTENT_TYPE };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const res = await fetch(url, { method: 'POST', headers, body: this.pc.localDescription!.sdp });
    this.status = res.status;
    const location = res.headers.get('location');
    if (this.finished) {
      // Closed while the server answered: the session it made is not wanted.
      if (location) await fetch(new URL(location, url), { method: 'DELETE' }).catch(() => undefined);
      return;
    }
    if (res.status !== 201) {
      const body = (await res.json().catch(() => ({}))) as Partial<HttpRefusalBody>;
      const retry = res.headers.get('retry-after');
      this.finish({ errorCode: body.code, message: body.message, retryAfterMs: retry === null ? undefined : Number(retry) * 1000 });
      return;
    }
    this.location = new URL(location!, url);
    await this.pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  }

  private onEvent(event: ServerEvent): void {
    if (event.type === 'session.started') this.pacer.start();
    if (event.type === 'session.ended') this.ended = event;
    if (event.type === 'error' && event.fatal) this.fatal = { code: event.code, message: event.message, retryAfterMs: event.retry_after_ms };
    this.emit('event', event);
    // EventEmitter throws on an 'error' nobody listens to; that event is in 'event' already.
    if (event.type !== 'error' || this.listenerCount('error') > 0) {
      (this.emit as (type: string, event: ServerEvent) => boolean)(event.type, event);
    }
  }

  /** Releases every native object; `close()` deletes a session the server has not ended. */
  private finish(failure: Pick<WebrtcCallEnd, 'errorCode' | 'message' | 'retryAfterMs'> = {}, deleteSession = false): void {
    if (this.finished) return;
    this.finished = true;
    this.pacer.stop();
    this.track.stop();
    this.pc.close();
    const reason = this.ended?.reason;
    const end: WebrtcCallEnd = {
      status: this.status,
      ok: reason === 'stop' || reason === 'idle_timeout' || reason === 'max_duration',
      ...(reason ? { reason } : {}),
      ...(this.fatal ? { errorCode: this.fatal.code, message: this.fatal.message, retryAfterMs: this.fatal.retryAfterMs } : {}),
      ...failure,
    };
    const deleting = deleteSession && this.location && !this.ended ? fetch(this.location, { method: 'DELETE' }).then(() => undefined, () => undefined) : Promise.resolve();
    void deleting.then(() => {
      this.emit('close', end);
      this.resolveClosed(end);
    });
  }
}

function notStarted(end: WebrtcCallEnd): string {
  const cause = [end.errorCode, end.message].filter((part) => part !== undefined).join(': ');
  if (end.status === 0) return `the server could not be reached: ${cause}`;
  if (end.status !== 201) return `the offer was refused with HTTP ${end.status} (${cause})`;
  return `ended before session.started${cause ? ` (${cause})` : ''}`;
}

/** The config as query parameters; the audio format is the track's, so it stays out. */
function queryOf(config: SessionConfigInput): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(config)) {
    if (key in WEBRTC_SESSION_AUDIO || value === undefined) continue;
    params.set(key, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return params;
}

/** No trickle ICE: the offer carries every candidate. */
function gathered(pc: RtcPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    pc.onicegatheringstatechange = () => {
      if (pc.iceGatheringState === 'complete') resolve();
    };
  });
}
