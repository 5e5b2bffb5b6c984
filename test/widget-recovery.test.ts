import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, HAVE_CHROMIUM, launchChromium } from './support/chromium.js';
import { writeFakeMicrophoneWav } from './support/fake-microphone.js';
import { loadLibriVox } from './support/librivox.js';
import { RawPeer } from './support/raw-ws.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { startTestServer, waitFor } from './support/test-server.js';
import { WidgetPage, type RecordedEvent } from './support/widget-page.js';

if (!HAVE_CHROMIUM) {
  console.warn(`SKIPPED the <parley-call> recovery tests: ${CHROMIUM_PATH} does not exist (bash scripts/setup.sh --test installs Debian's chromium)`);
}

function retryDelays(events: RecordedEvent[]): number[] {
  return events.filter((e) => e.detail.state === 'reconnecting').map((e) => Number(e.detail.retry_in_ms));
}

describe.skipIf(!HAVE_CHROMIUM)('the <parley-call> widget when the server is busy or the connection drops', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-widget-recovery-'));
  let browser: Browser;

  beforeAll(async () => {
    const speech = writeFakeMicrophoneWav(join(dir, 'speech.wav'), [loadLibriVox()[0]!], 500);
    browser = await launchChromium({ microphoneWav: speech.path });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('at capacity: shows the busy message with the retry hint, waits at least that long, and connects once a session frees', async () => {
    const retryAfterMs = 2000;
    const server = await startTestServer({ maxSessions: 1, retryAfterMs });
    // Another caller holds the server's only session.
    const occupant = new RawPeer(server.url);
    const widget = await WidgetPage.open(browser, `http://127.0.0.1:${server.port}`);
    try {
      occupant.send({ type: 'start' });
      await occupant.next('session.started');
      await widget.start();
      const [refusal] = await widget.waitForEvents({ name: 'parley-error' });
      expect(refusal!.detail).toMatchObject({ code: 'capacity_exceeded', retry_after_ms: retryAfterMs });
      expect(await widget.errorMessage()).toBe('The voice server is busy. Try again in 2 s.');
      const [waiting] = await widget.waitForEvents({ state: 'reconnecting' });
      expect(Number(waiting!.detail.retry_in_ms)).toBeGreaterThanOrEqual(retryAfterMs);
      expect(await widget.statusText()).toMatch(/^Reconnecting in [2-9] s/);

      occupant.send({ type: 'stop' });
      await occupant.closed;
      const [live] = await widget.waitForEvents({ state: 'live' }, 1, 15_000);
      // Not sooner than the hint, though the slot was free well before it.
      expect(live!.at - refusal!.at).toBeGreaterThanOrEqual(retryAfterMs - 100);
      expect(await widget.errorMessage()).toBeNull();
      await widget.hangUp();
      await widget.waitForEvents({ state: 'ended' });
      await waitFor(() => server.registry.activeSessions === 0 && server.webrtcPeers() === 0);
    } finally {
      await widget.close();
      occupant.ws.terminate();
      await server.close();
    }
  });

  it('a dropped connection: says so, retries with growing delays while the server is unreachable, and resumes in a new session', async () => {
    const server = await startTestServer();
    const proxy = new TcpProxy(server.port);
    await proxy.listen();
    // The page comes from the server; the call goes through the relay, which the test cuts.
    const widget = await WidgetPage.open(browser, `http://127.0.0.1:${server.port}`, {
      transport: 'websocket',
      attributes: { server: `http://127.0.0.1:${proxy.port}` },
    });
    try {
      await widget.start();
      await widget.waitForEvents({ type: 'session.started' });
      await proxy.cut();
      const [lost] = await widget.waitForEvents({ name: 'parley-error' });
      expect(lost!.detail).toMatchObject({ code: 'connection_lost', fatal: false });
      expect(await widget.errorMessage()).toContain('The connection to the voice server was lost');
      // The server sees the client gone: its session is released.
      await waitFor(() => server.registry.activeSessions === 0);
      // Each attempt that finds nothing listening schedules the next one later: 0.25-0.5 s, 0.5-1 s, 1-2 s.
      const waits = await widget.waitForEvents({ state: 'reconnecting' }, 3, 10_000);
      const delays = retryDelays(waits);
      expect(delays[0]).toBeGreaterThanOrEqual(250);
      expect(delays[0]).toBeLessThanOrEqual(500);
      expect(delays[1]).toBeGreaterThanOrEqual(500);
      expect(delays[1]).toBeLessThanOrEqual(1000);
      expect(delays[2]).toBeGreaterThanOrEqual(1000);
      expect(delays[2]).toBeLessThanOrEqual(2000);
      expect(await widget.statusText()).toMatch(/^Reconnecting in \d s/);

      await proxy.listen();
      await widget.waitForEvents({ type: 'session.started' }, 2, 15_000);
      const states = (await widget.events('parley-state')).map((e) => e.detail.state);
      expect(states.filter((s) => s === 'live')).toHaveLength(2);
      expect(states).not.toContain('failed');
      expect(server.registry.activeSessions).toBe(1);
      await widget.hangUp();
      await widget.waitForEvents({ state: 'ended' });
      await waitFor(() => server.registry.activeSessions === 0);
    } finally {
      await widget.close();
      await proxy.close();
      await server.close();
    }
  });
});
