import { clientError, microphoneError, type WidgetErrorEvent } from './widget-errors.js';

/**
 * The browser's echo canceller and noise suppressor on, as a call needs them (a speaker
 * playing the other side must not be transcribed). Automatic gain control off: Chromium's
 * drove read speech into clipping (peaks of 32668 where the recording peaks at 9794) and the
 * recognizer lost words it got right without it; the recognizer normalizes level itself.
 */
const VOICE_CONSTRAINTS: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: false };

/** getUserMedia failed: `error` says why in words the person can act on. */
export class MicrophoneError extends Error {
  constructor(readonly error: WidgetErrorEvent) {
    super(error.message);
  }
}

/** One open microphone track. Muting disables the track: it then carries silence, on either transport. */
export class Microphone {
  private constructor(readonly stream: MediaStream) {}

  /** Opens `deviceId` (the browser's default when absent); rejects with MicrophoneError. */
  static async open(deviceId?: string): Promise<Microphone> {
    if (!navigator.mediaDevices?.getUserMedia) throw new MicrophoneError(clientError('unsupported_browser', true));
    const audio = deviceId ? { ...VOICE_CONSTRAINTS, deviceId: { exact: deviceId } } : VOICE_CONSTRAINTS;
    try {
      return new Microphone(await navigator.mediaDevices.getUserMedia({ audio, video: false }));
    } catch (error) {
      throw new MicrophoneError(microphoneError(error));
    }
  }

  get track(): MediaStreamTrack {
    return this.stream.getAudioTracks()[0]!;
  }

  get deviceId(): string | undefined {
    return this.track.getSettings().deviceId;
  }

  setEnabled(enabled: boolean): void {
    this.track.enabled = enabled;
  }

  /** Releases the device (the browser's recording indicator goes off). */
  stop(): void {
    for (const track of this.stream.getTracks()) track.stop();
  }
}

/** The audio inputs the browser offers; their labels are empty until the page has microphone permission. */
export async function listMicrophones(): Promise<MediaDeviceInfo[]> {
  if (!navigator.mediaDevices?.enumerateDevices) return [];
  return (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'audioinput');
}
