import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordErrorRate } from '../clients/wer.js';
import { projectRoot } from '../proto/project-root.js';
import { concatAudio } from './support/audio-fixtures.js';
import { CHROMIUM_PATH, HAVE_CHROMIUM, launchChromium } from './support/chromium.js';
import { writeFakeMicrophoneWav, type FakeMicrophoneRecording } from './support/fake-microphone.js';
import { loadLibriVox } from './support/librivox.js';
import { rawEngineTranscripts } from './support/raw-engine.js';
import { startTestServer, waitFor } from './support/test-server.js';
import { WidgetPage, type RecordedEvent } from './support/widget-page.js';

const ARTIFACTS = join(projectRoot(), 'test-artifacts');
/** PocketSphinx's frame step is 10 ms (160 samples at 16 kHz): leading pads that sample where its frames fall. */
const FRAME_PHASES = [0, 40, 80, 120];
/** The widget may cost at most this much WER over PocketSphinx alone on the same speech (the bar). */
const WER_MARGIN = 0.1;

if (!HAVE_CHROMIUM) {
  console.warn(`SKIPPED the <parley-call> browser tests: ${CHROMIUM_PATH} does not exist (bash scripts/setup.sh --test installs Debian's chromium)`);
}

describe.skipIf(!HAVE_CHROMIUM)('the <parley-call> widget in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-widget-'));
  const librivox = loadLibriVox();
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let origin: string;
  /** Three LibriVox utterances (55 words), 1.2 s apart: three turns. */
  let speech: FakeMicrophoneRecording;
  let speechBrowser: Browser;
  let pocketSphinxWer: number;
  let webrtcOffered: boolean;

  beforeAll(async () => {
    if (!existsSync(join(projectRoot(), 'dist', 'web', 'clients', 'web', 'widget.js'))) throw new Error('the widget is not built: run npm run build:ts');
    speech = writeFakeMicrophoneWav(join(dir, 'speech.wav'), [librivox[0]!, librivox[2]!, librivox[3]!], 1200);
    [server, speechBrowser] = await Promise.all([startTestServer({ prewarmDecoders: 2 }), launchChromium({ microphoneWav: speech.path })]);
    origin = `http://127.0.0.1:${server.port}`;
    pocketSphinxWer = await pocketSphinxAloneWer(speech);
    webrtcOffered = (await fetch(`${origin}/v1/webrtc`, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: '' })).status !== 404;
  }, 60_000);

  afterAll(async () => {
    await speechBrowser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('over the WebSocket: captions show the speech as well as PocketSphinx alone, each turn ends once, hang-up frees the session', async () => {
    const widget = await WidgetPage.open(speechBrowser, origin, { transport: 'websocket' });
    try {
      await widget.start();
      expect((await widget.waitForEvents({ state: 'live' }))[0]!.detail.transport).toBe('websocket');
      // Mid-call, the second turn being spoken: the picture for the README.
      await widget.waitForEvents({ name: 'parley-partial', where: (e) => e.detail.turn_id === 2 && unstableWords(e) >= 2 && Number(e.detail.stable_words) >= 2 });
      mkdirSync(ARTIFACTS, { recursive: true });
      await widget.page.screenshot({ path: join(ARTIFACTS, 'widget-demo-mid-call.png'), fullPage: true });
      await expectCaptionedCall(widget, speech, pocketSphinxWer);
    } finally {
      await widget.close();
    }
  });

  it('over WebRTC: the same captions, when the server offers POST /v1/webrtc', async (ctx) => {
    if (!webrtcOffered) ctx.skip('POST /v1/webrtc answered 404: this server has no WebRTC signalling yet');
    const widget = await WidgetPage.open(speechBrowser, origin, { transport: 'webrtc' });
    try {
      await widget.start();
      expect((await widget.waitForEvents({ state: 'live' }))[0]!.detail.transport).toBe('webrtc');
      await expectCaptionedCall(widget, speech, pocketSphinxWer);
    } finally {
      await widget.close();
    }
  });

  it('push-to-talk: releasing the button ends the turn at once (finalize), and the muted microphone starts none', async () => {
    // Two utterances: the talk button is held through the first only.
    const [first, second] = [librivox[1]!, librivox[4]!];
    const recording = writeFakeMicrophoneWav(join(dir, 'push-to-talk.wav'), [first, second], 1200);
    const browser = await launchChromium({ microphoneWav: recording.path });
    // end-ms far beyond the test: only the release can end the turn.
    const widget = await WidgetPage.open(browser, origin, { attributes: { 'push-to-talk': '', 'end-ms': '8000' } });
    try {
      await widget.start();
      // The fake microphone starts playing when the call opens it, just before connecting.
      const opened = (await widget.waitForEvents({ state: 'connecting' }))[0]!.at;
      await widget.button('Hold to talk').hover();
      await widget.page.mouse.down();
      await sleepUntil(opened + recording.placed[0]!.endMs + 400);
      const released = Date.now();
      await widget.page.mouse.up();
      const [end] = await widget.waitForEvents({ name: 'parley-turn-end' }, 1, 5000);
      expect(end!.detail).toMatchObject({ turn_id: 1, reason: 'finalize' });
      expect(end!.at - released).toBeLessThan(1500);
      expect(wordErrorRate(first.transcript, String(end!.detail.text))).toBeLessThanOrEqual(0.5);
      // Auto transport: WebRTC where the server offers it, else the WebSocket fallback.
      const live = (await widget.events('parley-state')).find((e) => e.detail.state === 'live');
      expect(live!.detail.transport).toBe(webrtcOffered ? 'webrtc' : 'websocket');

      await sleepUntil(opened + recording.placed[1]!.endMs + 500);
      expect((await widget.events('parley-event')).filter((e) => e.detail.type === 'speech.started').map((e) => e.detail.turn_id)).toEqual([1]);
      await widget.hangUp();
      await widget.waitForEvents({ state: 'ended' });
    } finally {
      await widget.close();
      await browser.close();
    }
  });

  it('says so when microphone access is denied, and opens no session', async () => {
    const browser = await launchChromium({ microphoneWav: speech.path, allowMicrophone: false });
    const widget = await WidgetPage.open(browser, origin);
    try {
      await widget.start();
      const [error] = await widget.waitForEvents({ name: 'parley-error' });
      expect(error!.detail).toMatchObject({ code: 'mic_denied', fatal: true });
      expect(await widget.errorMessage()).toContain('Microphone access was denied');
      await widget.waitForEvents({ state: 'failed' });
      await expect(widget.button('Start call').isEnabled()).resolves.toBe(true);
      expect(server.registry.activeSessions + server.registry.pendingConnections).toBe(0);
    } finally {
      await widget.close();
      await browser.close();
    }
  });

  it('says so when the server cannot be reached (WebRTC, then the WebSocket fallback)', async () => {
    const widget = await WidgetPage.open(speechBrowser, origin, { attributes: { server: `http://127.0.0.1:${await closedPort()}` } });
    try {
      await widget.start();
      const [error] = await widget.waitForEvents({ name: 'parley-error' }, 1, 15_000);
      expect(error!.detail).toMatchObject({ code: 'server_unreachable', fatal: true });
      expect(await widget.errorMessage()).toContain('Cannot reach the voice server');
      await widget.waitForEvents({ state: 'failed' });
    } finally {
      await widget.close();
    }
  });

  it('passes its token to the server (WebRTC and the WebSocket alike), and says so when it is refused', async () => {
    const secured = await startTestServer({ apiKeys: ['widget-test-key'] });
    const securedOrigin = `http://127.0.0.1:${secured.port}`;
    try {
      for (const transport of ['auto', 'websocket']) {
        const refused = await WidgetPage.open(speechBrowser, securedOrigin, { transport, attributes: { token: 'wrong' } });
        await refused.start();
        const [error] = await refused.waitForEvents({ name: 'parley-error' });
        expect(error!.detail).toMatchObject({ code: 'unauthorized', fatal: true });
        expect(await refused.errorMessage()).toContain('refused the credentials');
        await refused.close();

        const admitted = await WidgetPage.open(speechBrowser, securedOrigin, { transport, attributes: { token: 'widget-test-key' } });
        await admitted.start();
        expect((await admitted.waitForEvents({ state: 'live' }))[0]!.detail.transport).toBe(transport === 'auto' && webrtcOffered ? 'webrtc' : 'websocket');
        await admitted.hangUp();
        await admitted.waitForEvents({ state: 'ended' });
        await admitted.close();
      }
    } finally {
      await secured.close();
    }
  });

  async function expectCaptionedCall(widget: WidgetPage, recording: FakeMicrophoneRecording, baselineWer: number): Promise<void> {
    const turns = recording.utterances.length;
    await widget.waitForEvents({ name: 'parley-turn-end' }, turns, recording.durationMs + 10_000);
    // Corrections of the last turn come right after its end; give them a moment.
    await widget.page.waitForTimeout(300);
    const ends = await widget.events('parley-turn-end');
    expect(ends.map((e) => e.detail.turn_id)).toEqual(Array.from({ length: turns }, (_, i) => i + 1));
    // Each block reads as the turn's last word on it: its end, or the correction after it.
    const finals = (await widget.events('parley-event'))
      .filter((e) => e.detail.type === 'turn.end' || e.detail.type === 'transcript.corrected')
      .reduce((texts, e) => texts.set(Number(e.detail.turn_id), String(e.detail.text)), new Map<number, string>());
    const captions = await widget.captionTexts();
    expect(captions).toEqual([...finals.values()]);
    expect(wordErrorRate(reference(recording), captions.join(' '))).toBeLessThanOrEqual(baselineWer + WER_MARGIN);
    // Each block carries both markers with the turn's latency.
    const marks = await widget.page.locator('parley-call .turn .marks').allTextContents();
    for (const mark of marks) expect(mark).toMatch(/eager end · \d+ ms.*end · \d+ ms/);
    // Every turn ended on silence, so its last eager end stood: none is left struck as resumed.
    expect(await widget.page.locator('parley-call .mark-eager.resumed').count()).toBe(0);

    await widget.hangUp();
    const ended = await widget.waitForEvents({ type: 'session.ended' });
    expect(ended[0]!.detail).toMatchObject({ reason: 'stop' });
    await widget.waitForEvents({ state: 'ended' });
    await waitFor(() => server.registry.activeSessions === 0);
    // A WebRTC hang-up leaves no peer connection behind either.
    await waitFor(() => server.webrtcPeers() === 0);
    expect(await widget.button('Start call').isEnabled()).toBe(true);
  }
});

/**
 * PocketSphinx alone on the recording's utterances. It swings by several words when the
 * audio shifts by a few samples (0.00 to 0.75 WER on one LibriVox utterance), so this is its
 * mean over where its 10 ms frames fall, not one arbitrary alignment.
 */
async function pocketSphinxAloneWer(recording: FakeMicrophoneRecording): Promise<number> {
  const wers = await Promise.all(
    FRAME_PHASES.map(async (pad) => {
      const texts = await rawEngineTranscripts(recording.utterances.map((u) => concatAudio(new Float32Array(pad), u.samples)));
      return wordErrorRate(reference(recording), texts.join(' '));
    }),
  );
  return wers.reduce((a, b) => a + b, 0) / wers.length;
}

function reference(recording: FakeMicrophoneRecording): string {
  return recording.utterances.map((u) => u.transcript).join(' ');
}

function unstableWords(partial: RecordedEvent): number {
  return String(partial.detail.text).split(' ').length - Number(partial.detail.stable_words);
}

async function sleepUntil(at: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
}

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
