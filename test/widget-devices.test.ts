import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, HAVE_CHROMIUM, launchChromium } from './support/chromium.js';
import { writeFakeMicrophoneWav } from './support/fake-microphone.js';
import { loadLibriVox } from './support/librivox.js';
import { startTestServer, waitFor } from './support/test-server.js';
import { WidgetPage } from './support/widget-page.js';

if (!HAVE_CHROMIUM) {
  console.warn(`SKIPPED the <parley-call> microphone tests: ${CHROMIUM_PATH} does not exist (bash scripts/setup.sh --test installs Debian's chromium)`);
}

/** The picker's entries as a person reads them. */
function pickerLabels(widget: WidgetPage): Promise<string[]> {
  return widget.page.locator('parley-call select.mic option').allTextContents();
}

/**
 * A device plugged in or out. Chromium's fake devices are fixed for the browser's life, so the
 * page's device list is changed under the widget and `devicechange` fired, as the browser does
 * when the hardware changes.
 */
async function changeDevices(page: Page, change: { unplug?: string; plugIn?: string }): Promise<void> {
  await page.evaluate((change) => {
    const devices = navigator.mediaDevices;
    const real = MediaDevices.prototype.enumerateDevices.bind(devices);
    devices.enumerateDevices = async () => {
      const list = (await real()).filter((d) => d.label !== change.unplug);
      if (!change.plugIn) return list;
      const added = { deviceId: 'plugged-in-headset', groupId: 'headset', kind: 'audioinput', label: change.plugIn } as MediaDeviceInfo;
      return [...list, { ...added, toJSON: () => added }];
    };
    devices.dispatchEvent(new Event('devicechange'));
  }, change);
}

describe.skipIf(!HAVE_CHROMIUM)('the <parley-call> microphone picker and missing microphones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-widget-devices-'));
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let origin: string;
  let browser: Browser;

  beforeAll(async () => {
    const speech = writeFakeMicrophoneWav(join(dir, 'speech.wav'), [loadLibriVox()[1]!], 300);
    [server, browser] = await Promise.all([startTestServer(), launchChromium({ microphoneWav: speech.path })]);
    origin = `http://127.0.0.1:${server.port}`;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the microphones, switches mid-call without a new session, and follows one unplugged or plugged in', async () => {
    const widget = await WidgetPage.open(browser, origin);
    const picker = widget.page.getByLabel('Microphone', { exact: true });
    try {
      await widget.start();
      await widget.waitForEvents({ state: 'live' });
      // With permission granted, the browser names its devices.
      await waitFor(async () => (await pickerLabels(widget)).includes('Fake Audio Input 1'));
      expect(await pickerLabels(widget)).toEqual(['Default microphone', 'Fake Default Audio Input', 'Fake Audio Input 1', 'Fake Audio Input 2']);
      // The default microphone plays the recording once, then silence: its one turn ends.
      await widget.waitForEvents({ name: 'parley-turn-end' }, 1, 30_000);

      await picker.selectOption({ label: 'Fake Audio Input 1' });
      const input1 = await widget.page.locator('parley-call select.mic option', { hasText: 'Fake Audio Input 1' }).getAttribute('value');
      await waitFor(async () => (await picker.inputValue()) === input1);
      // The new microphone plays the recording from its start: its speech reaches the same session.
      await widget.waitForEvents({ type: 'speech.started' }, 2, 15_000);

      await changeDevices(widget.page, { unplug: 'Fake Audio Input 1' });
      await waitFor(async () => !(await pickerLabels(widget)).includes('Fake Audio Input 1'));
      // The call carries on with the default microphone.
      await waitFor(async () => (await picker.inputValue()) === 'default');

      await changeDevices(widget.page, { plugIn: 'USB Headset' });
      await waitFor(async () => (await pickerLabels(widget)).includes('USB Headset'));

      const events = await widget.events();
      expect(events.filter((e) => e.detail.type === 'session.started')).toHaveLength(1);
      expect(events.filter((e) => e.name === 'parley-error')).toEqual([]);
      expect(await widget.statusText()).toMatch(/^Live/);
      await widget.hangUp();
      expect((await widget.waitForEvents({ type: 'session.ended' }))[0]!.detail.reason).toBe('stop');
      await waitFor(() => server.registry.activeSessions === 0 && server.webrtcPeers() === 0);
    } finally {
      await widget.close();
    }
  });

  it('says so when the machine has no microphone, and opens no session', async (ctx) => {
    // Without Chromium's fake devices the widget sees the machine's own: none on a server.
    const bare = await launchChromium({});
    const widget = await WidgetPage.open(bare, origin);
    try {
      const inputs = await widget.page.evaluate(async () => (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'audioinput').length);
      if (inputs > 0) ctx.skip(`this machine has ${inputs} audio input(s): "no microphone" cannot happen here`);
      await widget.start();
      const [error] = await widget.waitForEvents({ name: 'parley-error' });
      expect(error!.detail).toMatchObject({ code: 'no_microphone', fatal: true });
      expect(await widget.errorMessage()).toContain('No microphone was found');
      await widget.waitForEvents({ state: 'failed' });
      expect(server.registry.activeSessions + server.registry.pendingConnections).toBe(0);
    } finally {
      await widget.close();
      await bare.close();
    }
  });
});
