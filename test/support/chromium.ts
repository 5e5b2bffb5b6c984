import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`chromium` package, installed by `scripts/setup.sh --test`); never a downloaded browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH);

/**
 * Without the background-networking flags Chromium keeps trying to reach Google's hosts,
 * which a closed test network refuses. Playwright gives every launch a fresh, empty
 * user-data-dir of its own (it refuses a --user-data-dir argument).
 */
const HEADLESS_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // The server under test listens on 127.0.0.1: let WebRTC use loopback candidates.
  '--allow-loopback-in-peer-connection',
];

export interface FakeMediaOptions {
  /**
   * A WAV Chromium's fake microphones play once (`%noloop`), then silence. Absent: no fake
   * devices, only the machine's own (none on a server).
   */
  microphoneWav?: string;
  /** Answer permission prompts with "allow" (default); false: a prompt is denied, as a person saying no. */
  allowMicrophone?: boolean;
}

export function launchChromium(media: FakeMediaOptions): Promise<Browser> {
  const args = [...HEADLESS_FLAGS];
  if (media.microphoneWav) args.push('--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${media.microphoneWav}%noloop`);
  if (media.allowMicrophone ?? true) args.push('--use-fake-ui-for-media-stream');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args });
}
