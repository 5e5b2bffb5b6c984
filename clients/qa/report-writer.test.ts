import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { QaReport } from './qa-report.js';
import { renderHtml } from './report-html.js';
import { renderMarkdown } from './report-markdown.js';
import { timelineNames, writeReport } from './report-writer.js';
import { sampleReport } from './testing/sample-report.js';

const png = (r: number) => sharp({ create: { width: 4, height: 3, channels: 3, background: { r, g: 0, b: 0 } } }).png().toBuffer();

describe('writeReport', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-qa-writer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the JSON, Markdown and HTML reports and each call picture, the paths set in the report', async () => {
    const report = sampleReport();
    const [failed, interview] = [0, 1];
    report.calls[failed]!.timeline_png = 'timelines/stale.png';
    const before = structuredClone(report);
    const first = await png(10);
    // A picture for a call not in the report is not written.
    await writeReport(dir, report, new Map([[report.calls[interview]!.id, first], ['elsewhere', await png(20)]]));
    expect(readdirSync(dir).sort()).toEqual(['report.html', 'report.json', 'report.md', 'timelines']);
    expect(readdirSync(join(dir, 'timelines'))).toEqual(['interview-07.png']);
    expect(readFileSync(join(dir, 'timelines', 'interview-07.png')).equals(first)).toBe(true);
    const written = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as QaReport;
    expect(written.calls.map((c) => c.timeline_png)).toEqual([null, 'timelines/interview-07.png']);
    expect(written).toEqual({ ...before, calls: [{ ...before.calls[failed]!, timeline_png: null }, { ...before.calls[interview]!, timeline_png: 'timelines/interview-07.png' }] });
    expect(report).toEqual(before);
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toMatch(/^\{\n {2}"schema": "parley\.qa-report",\n/);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toBe(renderMarkdown(written));
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe(renderHtml(written));
  });
});

describe('timelineNames', () => {
  it('makes safe, distinct file names of any ids', () => {
    const names = timelineNames(['a/b', 'a:b', 'A_B', '../../etc/passwd', '', '.hidden', 'con', 'ça va?', 'x'.repeat(300), 'a/b']);
    expect([...names.values()]).toEqual([
      'a_b.png',
      'a_b-2.png',
      'A_B-3.png',
      'etc_passwd.png',
      'call.png',
      'hidden.png',
      '_con.png',
      'ca_va_.png',
      `${'x'.repeat(80)}.png`,
    ]);
    expect(names.get('a/b')).toBe('a_b.png');
  });
});
