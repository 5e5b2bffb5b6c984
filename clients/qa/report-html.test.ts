import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, CHROMIUM_PATH, launchChromium } from '../../test/support/chromium.js';
import type { QaReport } from './qa-report.js';
import { renderHtml } from './report-html.js';
import { writeReport } from './report-writer.js';
import { sampleReport } from './testing/sample-report.js';
import { drawTimeline } from './timeline-picture.js';

/** The sample report with a transcript, an id, an error message and a file name out to run script. */
function hostileReport(): QaReport {
  const report = sampleReport();
  const call = report.calls[1]!;
  report.calls[1] = {
    ...call,
    id: `x"><img src=x onerror="window.__pwned=1">`,
    audio: `</p><script>window.__pwned=1</script>.wav`,
    channels: [call.channels[0]!, { ...call.channels[1]!, hypothesis: '<script>window.__pwned=1</script>' }],
    errors: [{ code: 'internal', message: `<iframe src="javascript:window.__pwned=1"></iframe>`, fatal: true }],
  };
  return report;
}

describe('renderHtml', () => {
  const report = sampleReport();
  report.calls[1]!.timeline_png = 'timelines/interview-07.png';
  const html = renderHtml(report);

  it('is one page with its style inline and no script', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|https?:\/\//);
  });

  it('summarizes the run and its latencies', () => {
    expect(html).toContain('<table id="summary-table">');
    expect(html).toContain('<th scope="row">calls</th><td>2</td>');
    expect(html).toContain('<th scope="row">WER</th><td>15.0 % (S 3, D 1, I 2; 40 words)</td>');
    expect(html).toContain('<th scope="row">flicker</th><td>12.5 %</td>');
    expect(html).toContain('<th scope="row">errors</th><td>asr_timeout ×2, rate_limited ×1</td>');
    expect(html).toContain('<th scope="row">final (turn end), client</th><td>20</td><td>612</td><td>845</td><td>933</td><td>977</td>');
    expect(html).toContain('<th scope="row">partial words, client</th><td>140</td><td>181</td><td>266</td><td>311</td><td>349</td>');
  });

  it('lists the worst calls first, linked to their sections', () => {
    expect(html).toContain('<th scope="row">1</th><td><a href="#call-1">support/line 3</a></td><td>—</td>');
    expect(html).toContain('<th scope="row">2</th><td><a href="#call-2">interview-07</a></td><td>50.0 %</td><td>2 / 1 / 1</td><td>845</td><td>402</td>');
    expect(html).toContain('<section class="call failed" id="call-1">');
    expect(html).toContain('<section class="call" id="call-2">');
    expect(html.indexOf('id="call-1"')).toBeLessThan(html.indexOf('id="call-2"'));
  });

  it('shows each call its timeline and a word diff marked by kind', () => {
    expect(html).toContain('<img src="timelines/interview-07.png" alt="Timeline of call interview-07">');
    expect(html).toContain(
      'he <span class="sub" title="substituted"><del>was</del>→<ins>is</ins></span> not an <del title="deleted">ill</del> disposed young ' +
        '<span class="sub" title="substituted"><del>man</del>→<ins>woman</ins></span> <ins title="inserted">today</ins>',
    );
    expect(html).toContain('<p class="legend">');
    expect(html).toContain('<p class="failure"><strong>Failed:</strong> the server refused the session: too many sessions</p>');
    expect(html.match(/<img /g)).toHaveLength(1);
  });

  it('sets a shadow run beside the primary, with its differences', () => {
    const shadow = renderHtml(sampleReport({ shadow: true }));
    expect(shadow).toContain('<th scope="col">Δ (shadow − primary)</th>');
    expect(shadow).toContain('<th scope="row">WER</th><td>15.0 % (S 3, D 1, I 2; 40 words)</td><td>17.5 % (S 4, D 1, I 2; 40 words)</td><td>+2.5 pp</td>');
    expect(shadow).toContain('<th scope="row">interview-07</th><td>+2.5 pp</td><td>-37 ms</td><td>+12 ms</td><td>2</td>');
    expect(shadow).toContain('<strong>ch 0</strong>, 2 differing:');
    expect(html).not.toContain('Shadow');
  });

  it('escapes hostile text: no element comes out of a transcript, id or message', () => {
    const hostile = renderHtml(hostileReport());
    expect(hostile).not.toMatch(/<script|<img src=x|<iframe/);
    expect(hostile).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(hostile).toContain('x&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;');
  });
});

/** What the test reads in the page (the tests compile without the DOM's types). */
interface PageGlobals {
  document: {
    querySelectorAll(selector: string): { length: number };
    images: ArrayLike<{ complete: boolean; naturalWidth: number }> & Iterable<{ complete: boolean; naturalWidth: number }>;
    body: { textContent: string | null };
  };
  __pwned?: unknown;
}

if (!HAVE_CHROMIUM) {
  console.warn(`SKIPPED the QA report browser test: ${CHROMIUM_PATH} does not exist (bash scripts/setup.sh --test installs Debian's chromium)`);
}

describe.skipIf(!HAVE_CHROMIUM)('report.html in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-qa-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads with no error and no failed request, its pictures shown and hostile text inert', async () => {
    const report = hostileReport();
    const pictures = new Map(await Promise.all(report.calls.map(async (call) => [call.id, await drawTimeline({ samples: [], sampleRate: 16000, call })] as const)));
    await writeReport(dir, report, pictures);
    const browser = await launchChromium({});
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
      await page.goto(pathToFileURL(join(dir, 'report.html')).href, { waitUntil: 'load' });
      const seen = await page.evaluate(() => {
        const { document, __pwned } = globalThis as unknown as PageGlobals;
        return {
          summaryRows: document.querySelectorAll('#summary-table tbody tr').length,
          images: [...document.images].map((img) => ({ complete: img.complete, width: img.naturalWidth })),
          scripts: document.querySelectorAll('script, iframe').length,
          pwned: __pwned,
          text: document.body.textContent ?? '',
        };
      });
      expect(problems).toEqual([]);
      expect(seen.summaryRows).toBeGreaterThan(5);
      expect(seen.images).toHaveLength(2);
      for (const image of seen.images) expect(image.complete && image.width > 0).toBe(true);
      expect(seen.scripts).toBe(0);
      expect(seen.pwned).toBeUndefined();
      expect(seen.text).toContain('<script>window.__pwned=1</script>');
    } finally {
      await browser.close();
    }
  });
});
