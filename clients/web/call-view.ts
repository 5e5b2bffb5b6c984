import type { CallStateDetail } from './call-controller.js';
import { CALL_STYLES } from './call-styles.js';

const TRANSPORT_NAMES = { webrtc: 'WebRTC', websocket: 'WebSocket' } as const;

const MARKUP = `
<div class="controls" part="controls">
  <button type="button" class="call" part="call-button" aria-label="Start call">Start call</button>
  <button type="button" class="mute" part="mute-button" aria-label="Mute microphone" aria-pressed="false" disabled>Mute</button>
  <button type="button" class="talk" part="talk-button" aria-label="Hold to talk" aria-pressed="false" disabled>Hold to talk</button>
  <label class="picker">
    <span class="visually-hidden">Microphone</span>
    <select class="mic" part="mic-select" aria-label="Microphone"><option value="">Default microphone</option></select>
  </label>
  <div class="level" part="level" role="meter" aria-label="Microphone level" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0">
    <div class="level-fill"></div>
  </div>
</div>
<p class="status" part="status" role="status">Ready</p>
<p class="error" part="error" role="alert" hidden></p>
<div class="captions" part="captions" role="log" aria-live="polite" aria-label="Live captions"></div>
`;

/** The widget's shadow DOM and how each part shows the call's state; no behaviour of its own. */
export class CallView {
  readonly callButton: HTMLButtonElement;
  readonly muteButton: HTMLButtonElement;
  readonly talkButton: HTMLButtonElement;
  readonly micSelect: HTMLSelectElement;
  readonly captions: HTMLElement;
  private readonly level: HTMLElement;
  private readonly levelFill: HTMLElement;
  private readonly status: HTMLElement;
  private readonly error: HTMLElement;

  constructor(root: ShadowRoot) {
    const style = document.createElement('style');
    style.textContent = CALL_STYLES;
    const body = document.createElement('div');
    body.className = 'widget';
    body.innerHTML = MARKUP;
    root.replaceChildren(style, body);
    const part = <T extends HTMLElement>(selector: string) => body.querySelector<T>(selector)!;
    this.callButton = part('.call');
    this.muteButton = part('.mute');
    this.talkButton = part('.talk');
    this.micSelect = part('.mic');
    this.captions = part('.captions');
    this.level = part('.level');
    this.levelFill = part('.level-fill');
    this.status = part('.status');
    this.error = part('.error');
  }

  showState(detail: CallStateDetail): void {
    const inCall = !['idle', 'ended', 'failed'].includes(detail.state);
    this.callButton.textContent = inCall ? 'Hang up' : 'Start call';
    this.callButton.setAttribute('aria-label', inCall ? 'Hang up' : 'Start call');
    this.callButton.classList.toggle('hang-up', inCall);
    this.callButton.disabled = detail.state === 'ending';
    this.muteButton.disabled = !inCall;
    this.talkButton.disabled = !inCall;
    this.status.textContent = statusText(detail);
    this.status.dataset.state = detail.state;
    if (detail.state === 'live' || detail.state === 'starting') this.showError(undefined);
    if (!inCall) this.showLevel(0);
  }

  showError(text: string | undefined): void {
    this.error.textContent = text ?? '';
    this.error.hidden = text === undefined;
  }

  showMuted(muted: boolean): void {
    this.muteButton.setAttribute('aria-pressed', String(muted));
    this.muteButton.textContent = muted ? 'Unmute' : 'Mute';
    this.muteButton.setAttribute('aria-label', muted ? 'Unmute microphone' : 'Mute microphone');
  }

  showTalking(talking: boolean): void {
    this.talkButton.setAttribute('aria-pressed', String(talking));
    this.talkButton.classList.toggle('held', talking);
  }

  showMicrophones(microphones: MediaDeviceInfo[], current: string | undefined): void {
    // Without permission the browser hides labels: the default entry is all there is to offer.
    const named = microphones.filter((m) => m.label !== '' && m.deviceId !== '');
    const options = named.map((m) => new Option(m.label, m.deviceId, false, m.deviceId === current));
    this.micSelect.replaceChildren(new Option('Default microphone', '', false, current === undefined), ...options);
  }

  showLevel(level: number): void {
    const percent = Math.round(level * 100);
    this.levelFill.style.transform = `scaleX(${level})`;
    this.level.setAttribute('aria-valuenow', String(percent));
  }
}

function statusText(detail: CallStateDetail): string {
  switch (detail.state) {
    case 'idle':
      return 'Ready';
    case 'starting':
      return 'Opening the microphone…';
    case 'connecting':
      return 'Connecting…';
    case 'live':
      return `Live · ${detail.transport ? TRANSPORT_NAMES[detail.transport] : ''}`;
    case 'reconnecting':
      return `Reconnecting in ${Math.ceil((detail.retry_in_ms ?? 0) / 1000)} s…`;
    case 'ending':
      return 'Hanging up…';
    case 'ended':
      return 'Call ended';
    case 'failed':
      return 'Call failed';
  }
}
