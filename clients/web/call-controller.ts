import type { ServerEvent } from '../../proto/messages.js';
import { AudioInput } from './audio-input.js';
import { MAX_RECONNECT_ATTEMPTS, reconnectDelayMs } from './backoff.js';
import { LinkRefused, type CallLink, type LinkEnd, type LinkHandlers, type LinkTarget, type TransportKind } from './call-link.js';
import { listMicrophones, Microphone, MicrophoneError } from './microphone.js';
import { WebRtcLink, WebRtcUnavailable } from './webrtc-link.js';
import { LinkUnreachable, WebSocketLink } from './websocket-link.js';
import { clientError, type WidgetErrorEvent } from './widget-errors.js';

export type CallState = 'idle' | 'starting' | 'connecting' | 'live' | 'reconnecting' | 'ending' | 'ended' | 'failed';
/** `auto`: WebRTC, falling back to the WebSocket when the server does not take the offer. */
export type TransportPreference = 'auto' | 'webrtc' | 'websocket';

export interface CallStateDetail {
  state: CallState;
  /** While live: the transport in use. */
  transport?: TransportKind;
  /** While reconnecting: when the next attempt starts. */
  retry_in_ms?: number;
}

export interface CallSettings {
  /** Read at every (re)connect, so that a page can hand the widget a fresh token before an old one expires. */
  target: () => LinkTarget;
  transport: TransportPreference;
  /** The microphone stays silent except while the talk button is held. */
  pushToTalk: boolean;
  deviceId: string | undefined;
}

export interface CallObserver {
  state(detail: CallStateDetail): void;
  event(event: ServerEvent): void;
  error(error: WidgetErrorEvent): void;
  /** A microphone was opened (labels are readable from now on) or switched. */
  microphone(deviceId: string | undefined): void;
}

/** Refusals that go away by themselves: retried after the server's hint. */
const RETRYABLE_CODES = new Set(['capacity_exceeded', 'limit_exceeded', 'unavailable']);
/**
 * Over WebRTC the audio rides RTP and lands in the server's jitter buffer, while `finalize`
 * rides the data channel: held back this long, it no longer overtakes the last syllable.
 */
const WEBRTC_FINALIZE_DELAY_MS = 150;

/**
 * One call's life: microphone, transport (WebRTC first, WebSocket as fallback), reconnects
 * with backoff, mute and push-to-talk, microphone switches, hang-up. It knows nothing of the
 * DOM: the element observes it.
 */
export class CallController {
  private state: CallState = 'idle';
  private settings: CallSettings | undefined;
  private input: AudioInput | undefined;
  private mic: Microphone | undefined;
  private link: CallLink | undefined;
  /** Aborted when the call ends: every pending step of it stops. */
  private abort = new AbortController();
  private tryWebRtc = false;
  /** The transport being connected or in use (the link itself may not exist yet when its first event comes). */
  private transport: TransportKind = 'websocket';
  private attempt = 0;
  private wasLive = false;
  private muted = false;
  private talking = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly onDeviceChange = () => void this.followDevices();

  constructor(private readonly observer: CallObserver) {}

  get active(): boolean {
    return !['idle', 'ended', 'failed'].includes(this.state);
  }

  /** The open microphone's device id. */
  get microphoneId(): string | undefined {
    return this.mic?.deviceId;
  }

  /** Call from the click handler: the AudioContext must be created within the gesture. */
  async start(settings: CallSettings): Promise<void> {
    if (this.active) return;
    this.settings = settings;
    this.abort = new AbortController();
    // This call's signal: a hang-up and a new start may come while the microphone prompt is open.
    const { signal } = this.abort;
    this.tryWebRtc = settings.transport !== 'websocket';
    this.attempt = 0;
    this.wasLive = false;
    this.muted = settings.pushToTalk;
    this.talking = false;
    this.setState({ state: 'starting' });
    this.input = new AudioInput();
    let mic: Microphone;
    try {
      mic = await this.openMicrophone(settings.deviceId);
    } catch (error) {
      if (signal.aborted) return;
      return this.fail(error instanceof MicrophoneError ? error.error : clientError('mic_unavailable', true));
    }
    if (signal.aborted) return mic.stop();
    this.mic = mic;
    navigator.mediaDevices.addEventListener('devicechange', this.onDeviceChange);
    this.observer.microphone(mic.deviceId);
    this.setState({ state: 'connecting' });
    await this.connect();
  }

  /** Ends the call gracefully: the open turn's end and `session.ended` still arrive. */
  async hangUp(): Promise<void> {
    if (!this.active || this.state === 'ending') return;
    this.setState({ state: 'ending' });
    this.abort.abort();
    const link = this.link;
    this.dropLink();
    await link?.hangUp();
    await this.release();
    this.setState({ state: 'ended' });
  }

  /**
   * Muting disables the track: silence keeps flowing on either transport, so the session's
   * audio clock and idle timer go on as the wall clock does, and no keepalive is needed.
   */
  setMuted(muted: boolean): void {
    this.muted = muted;
    this.applyMicrophone();
  }

  /** Push-to-talk: held opens the microphone; released ends the turn at once (`finalize`). */
  setTalking(talking: boolean): void {
    if (this.talking === talking) return;
    this.talking = talking;
    this.applyMicrophone();
    const link = this.link;
    if (talking || !link) return;
    if (link.kind === 'webrtc') setTimeout(() => link.send({ type: 'finalize' }), WEBRTC_FINALIZE_DELAY_MS);
    else link.send({ type: 'finalize' });
  }

  /** Switches the microphone mid-call (or picks the one the next call opens). */
  async selectMicrophone(deviceId: string | undefined): Promise<void> {
    if (this.settings) this.settings.deviceId = deviceId;
    if (!this.mic || !this.active) return;
    let next: Microphone;
    try {
      next = await this.openMicrophone(deviceId);
    } catch (error) {
      if (error instanceof MicrophoneError) this.observer.error({ ...error.error, fatal: false });
      return;
    }
    if (!this.active) return next.stop();
    const previous = this.mic;
    this.mic = next;
    if (this.link instanceof WebRtcLink) await this.link.replaceTrack(next.track);
    previous.stop();
    this.observer.microphone(next.deviceId);
  }

  /** The microphone's level now, 0 to 1. */
  level(): number {
    return this.input && this.active ? this.input.level() : 0;
  }

  private async openMicrophone(deviceId: string | undefined): Promise<Microphone> {
    const mic = await Microphone.open(deviceId);
    mic.setEnabled(this.talking || !this.muted);
    this.input?.setStream(mic.stream);
    // An unplugged device ends its track: carry on with the default one.
    mic.track.addEventListener('ended', () => {
      if (this.mic === mic) void this.selectMicrophone(undefined);
    });
    return mic;
  }

  private async connect(): Promise<void> {
    const { signal } = this.abort;
    const settings = this.settings!;
    const handlers: LinkHandlers = { onEvent: (event) => this.onEvent(event), onEnd: (end) => this.onLinkEnd(end) };
    try {
      const target = settings.target();
      if (this.tryWebRtc) {
        this.transport = 'webrtc';
        try {
          this.link = await WebRtcLink.open(target, this.mic!.track, handlers, signal);
        } catch (error) {
          if (!(error instanceof WebRtcUnavailable)) throw error;
          if (settings.transport === 'webrtc') throw new LinkRefused(clientError('webrtc_unavailable', true, error.message));
          // For the rest of this call: a server without WebRTC will not grow it between reconnects.
          this.tryWebRtc = false;
        }
      }
      if (!this.link) {
        this.transport = 'websocket';
        await this.input!.startPcm();
        const link = new WebSocketLink(target, handlers);
        this.link = link;
        this.input!.onFrame = (frame) => link.sendAudio(frame);
        await link.opened;
      }
    } catch (error) {
      if (signal.aborted) return;
      this.dropLink();
      if (error instanceof LinkRefused) return this.onLinkEnd({ kind: 'refused', error: error.error });
      if (error instanceof LinkUnreachable) {
        // Never connected at all: say so now rather than retry a server that is not there.
        if (!this.wasLive) return this.fail(clientError('server_unreachable', true));
        return this.retry();
      }
      return this.fail(clientError('connection_lost', true, `The call could not be set up: ${String(error)}`));
    }
  }

  private onEvent(event: ServerEvent): void {
    if (event.type === 'session.started') {
      this.attempt = 0;
      this.wasLive = true;
      this.setState({ state: 'live', transport: this.transport });
    }
    this.observer.event(event);
  }

  private onLinkEnd(end: LinkEnd): void {
    this.dropLink();
    if (!this.active || this.state === 'ending') return;
    switch (end.kind) {
      case 'ended':
        if (end.reason === 'server_shutdown') return this.retry();
        void this.release().then(() => this.setState({ state: 'ended' }));
        return;
      case 'refused':
        if (!RETRYABLE_CODES.has(end.error.code)) return this.fail(end.error);
        // Fatal for that session; the call goes on with the next attempt (the state says so).
        this.observer.error(end.error);
        return this.retry(end.error.retry_after_ms);
      case 'lost':
        this.observer.error(clientError('connection_lost', false));
        return this.retry();
    }
  }

  private retry(retryAfterMs?: number): void {
    if (this.attempt >= MAX_RECONNECT_ATTEMPTS) {
      return this.fail(clientError('connection_lost', true, 'The connection to the voice server was lost and could not be restored.'));
    }
    const delay = reconnectDelayMs(this.attempt++, retryAfterMs);
    this.setState({ state: 'reconnecting', retry_in_ms: delay });
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  private fail(error: WidgetErrorEvent): void {
    this.abort.abort();
    this.link?.close();
    this.dropLink();
    this.observer.error(error);
    void this.release();
    this.setState({ state: 'failed' });
  }

  private dropLink(): void {
    this.link = undefined;
    if (this.input) this.input.onFrame = undefined;
  }

  /** Gives the microphone and the audio context back; every path out of a call ends here. */
  private async release(): Promise<void> {
    clearTimeout(this.retryTimer);
    navigator.mediaDevices?.removeEventListener('devicechange', this.onDeviceChange);
    this.mic?.stop();
    this.mic = undefined;
    const input = this.input;
    this.input = undefined;
    await input?.close();
  }

  private applyMicrophone(): void {
    this.mic?.setEnabled(this.talking || !this.muted);
  }

  /** The microphone in use was unplugged (the list no longer has it): carry on with the default one. */
  private async followDevices(): Promise<void> {
    const current = this.mic?.deviceId;
    if (current && !(await listMicrophones()).some((m) => m.deviceId === current)) await this.selectMicrophone(undefined);
  }

  private setState(detail: CallStateDetail): void {
    this.state = detail.state;
    this.observer.state(detail);
  }
}
