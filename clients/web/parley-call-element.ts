import type { ServerEvent } from '../../proto/messages.js';
import { CallController, type CallStateDetail, type TransportPreference } from './call-controller.js';
import type { LinkTarget } from './call-link.js';
import { CallView } from './call-view.js';
import { CaptionsView } from './captions-view.js';
import { ConfigAttributeError, configFromAttributes } from './config-attributes.js';
import { listMicrophones } from './microphone.js';
import { describeError, type WidgetErrorEvent } from './widget-errors.js';

/** The DOM events the element fires (bubbling, composed), each a CustomEvent with this detail. */
export interface ParleyCallEventMap {
  /** Every wire event of the session, as the server sent it. */
  'parley-event': CustomEvent<ServerEvent>;
  'parley-partial': CustomEvent<Extract<ServerEvent, { type: 'transcript.partial' }>>;
  'parley-turn-end': CustomEvent<Extract<ServerEvent, { type: 'turn.end' }>>;
  'parley-state': CustomEvent<CallStateDetail>;
  /** The server's `error` event, or one of the same shape for what the browser found (microphone, network). */
  'parley-error': CustomEvent<WidgetErrorEvent>;
}

const TRANSPORTS: readonly TransportPreference[] = ['auto', 'webrtc', 'websocket'];

/**
 * `<parley-call>`: a browser call to a Parley server with live captions.
 *
 * Attributes (read when a call starts): `server` (base URL, default the page's origin),
 * `token` (from `POST /v1/tokens`; re-read at each reconnect), `transport` (`auto`,
 * `webrtc`, `websocket`), `push-to-talk` (the microphone is silent unless the talk button is
 * held), and session config: `eager-end-ms`, `end-ms`, `interim-results`, `labels` (JSON).
 */
export class ParleyCallElement extends HTMLElement {
  private readonly view: CallView;
  private readonly captions: CaptionsView;
  private readonly call: CallController;
  private state: CallStateDetail = { state: 'idle' };
  private muted = false;
  private levelFrame = 0;

  constructor() {
    super();
    this.view = new CallView(this.attachShadow({ mode: 'open' }));
    this.captions = new CaptionsView(this.view.captions);
    this.call = new CallController({
      state: (detail) => this.onState(detail),
      event: (event) => this.onEvent(event),
      error: (error) => this.onError(error),
      microphone: () => void this.showMicrophones(),
    });
    this.wireControls();
  }

  connectedCallback(): void {
    this.muted = this.hasAttribute('push-to-talk');
    this.view.showMuted(this.muted);
    // The picker follows devices plugged in or out, in a call or not.
    navigator.mediaDevices?.addEventListener('devicechange', this.showMicrophones);
    void this.showMicrophones();
  }

  /** Removed from the page: the call ends as a hang-up would end it. */
  disconnectedCallback(): void {
    navigator.mediaDevices?.removeEventListener('devicechange', this.showMicrophones);
    void this.hangUp();
  }

  get callState(): CallStateDetail {
    return this.state;
  }

  /** Starts a call. Browsers open the microphone and audio only in a user gesture: call it from one (a click). */
  start(): Promise<void> {
    let target: LinkTarget;
    try {
      target = this.linkTarget();
    } catch (error) {
      if (!(error instanceof ConfigAttributeError)) throw error;
      this.onError({ type: 'error', code: 'bad_config', message: error.message, fatal: true });
      return Promise.resolve();
    }
    this.captions.clear();
    this.muted = this.hasAttribute('push-to-talk');
    this.view.showMuted(this.muted);
    const transport = this.getAttribute('transport') as TransportPreference | null;
    return this.call.start({
      // The token is read again at every reconnect: a page may have refreshed it.
      target: () => ({ ...target, token: this.getAttribute('token') ?? undefined }),
      transport: transport && TRANSPORTS.includes(transport) ? transport : 'auto',
      pushToTalk: this.muted,
      deviceId: this.view.micSelect.value || undefined,
    });
  }

  /** Ends the call; the open turn's end and `session.ended` still arrive first. */
  hangUp(): Promise<void> {
    return this.call.hangUp();
  }

  private linkTarget(): LinkTarget {
    const config = configFromAttributes(this);
    let server: URL;
    try {
      server = new URL(this.getAttribute('server') ?? location.origin, location.href);
    } catch {
      throw new ConfigAttributeError(`server is not a URL: "${this.getAttribute('server')}"`);
    }
    // A base path (https://example.com/parley) keeps its last segment when paths resolve against it.
    if (!server.pathname.endsWith('/')) server.pathname += '/';
    return { server, token: this.getAttribute('token') ?? undefined, config };
  }

  private wireControls(): void {
    const { callButton, muteButton, talkButton, micSelect } = this.view;
    callButton.addEventListener('click', () => void (this.call.active ? this.hangUp() : this.start()));
    muteButton.addEventListener('click', () => {
      this.muted = !this.muted;
      this.call.setMuted(this.muted);
      this.view.showMuted(this.muted);
    });
    const talk = (talking: boolean) => {
      this.call.setTalking(talking);
      this.view.showTalking(talking);
    };
    talkButton.addEventListener('pointerdown', (event) => {
      // Captured, the release still reaches the button when the pointer has slid off it.
      talkButton.setPointerCapture(event.pointerId);
      talk(true);
    });
    talkButton.addEventListener('pointerup', () => talk(false));
    talkButton.addEventListener('pointercancel', () => talk(false));
    talkButton.addEventListener('keydown', (event) => {
      if ((event.key === ' ' || event.key === 'Enter') && !event.repeat) talk(true);
      if (event.key === ' ') event.preventDefault();
    });
    talkButton.addEventListener('keyup', (event) => {
      if (event.key === ' ' || event.key === 'Enter') talk(false);
    });
    micSelect.addEventListener('change', () => void this.call.selectMicrophone(micSelect.value || undefined));
  }

  private onState(detail: CallStateDetail): void {
    this.state = detail;
    this.view.showState(detail);
    if (this.call.active && this.levelFrame === 0) this.levelFrame = requestAnimationFrame(this.showLevel);
    this.fire('parley-state', detail);
  }

  private readonly showMicrophones = async () => {
    this.view.showMicrophones(await listMicrophones(), this.call.microphoneId);
  };

  private readonly showLevel = () => {
    this.view.showLevel(this.call.level());
    this.levelFrame = this.call.active ? requestAnimationFrame(this.showLevel) : 0;
  };

  private onEvent(event: ServerEvent): void {
    if (event.type === 'session.started') this.captions.startSession();
    if ('turn_id' in event) this.captions.apply(event);
    this.fire('parley-event', event);
    if (event.type === 'transcript.partial') this.fire('parley-partial', event);
    if (event.type === 'turn.end') this.fire('parley-turn-end', event);
    // Fatal errors end the link and reach onError through the controller, with what follows.
    if (event.type === 'error' && !event.fatal) this.onError(event);
  }

  private onError(error: WidgetErrorEvent): void {
    this.view.showError(describeError(error));
    this.fire('parley-error', error);
  }

  private fire<K extends keyof ParleyCallEventMap>(type: K, detail: ParleyCallEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}
