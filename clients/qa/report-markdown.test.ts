import { describe, expect, it } from 'vitest';
import type { QaReport } from './qa-report.js';
import { renderMarkdown } from './report-markdown.js';
import { sampleReport } from './testing/sample-report.js';

function withTimeline(report: QaReport): QaReport {
  return { ...report, calls: report.calls.map((c) => (c.id === 'interview-07' ? { ...c, timeline_png: 'timelines/interview-07.png' } : c)) };
}

describe('renderMarkdown', () => {
  const md = renderMarkdown(withTimeline(sampleReport()));

  it('heads the report with the run', () => {
    expect(md.startsWith('# Parley QA replay report\n')).toBe(true);
    expect(md).toContain('Created 2026-11-30T04:00:00.000Z: ws ws://127.0.0.1:8080/v1/stream · 1× real time · concurrency 2 · 20 ms chunks.');
    expect(md).not.toContain('Interrupted');
    expect(renderMarkdown({ ...sampleReport(), complete: false })).toContain('**Interrupted:**');
  });

  it('summarizes the run: counts, WER with S/D/I, rates, errors by code, closes', () => {
    for (const row of [
      '| calls | 2 |',
      '| failed calls | 1 |',
      '| audio | 0.8 min |',
      '| wall time | 52 s |',
      '| WER | 15.0 % (S 3, D 1, I 2; 40 words) |',
      '| turns | 5 (5 of 6 expected) |',
      '| false eager ends per turn | 0.20 |',
      '| flicker | 12.5 % |',
      '| corrections | 1 |',
      '| errors | asr\\_timeout ×2, rate\\_limited ×1 |',
      '| closes | refused ×1, ws 1000 ×1 |',
    ]) {
      expect(md).toContain(row);
    }
  });

  it('gives latency percentiles, client and server, with their counts', () => {
    expect(md).toContain('| latency (ms) | n | p50 | p95 | p99 | p99.9 |');
    expect(md).toContain('| perceived (eager end), client | 20 | 231 | 402 | 517 | 588 |');
    expect(md).toContain('| perceived, server | 20 | 203 | 377 | 489 | 561 |');
    expect(md).toContain('| final (turn end), client | 20 | 612 | 845 | 933 | 977 |');
    expect(md).toContain('| final, server | 20 | 590 | 821 | 907 | 951 |');
    expect(md).toContain('| partial words, client | 140 | 181 | 266 | 311 | 349 |');
  });

  it('lists the worst calls in the order given, as many as asked', () => {
    expect(md).toContain('| 1 | support/line 3 | — | — | — | — | 1 | refused | the server refused the session: too many sessions |');
    expect(md).toContain('| 2 | interview-07 | 50.0 % | 2 / 1 / 1 | 845 | 402 | 2 | ws 1000 | — |');
    expect(md.indexOf('| 1 | support/line 3')).toBeLessThan(md.indexOf('| 2 | interview-07'));
    expect(renderMarkdown(sampleReport(), { worstCalls: 1 })).not.toContain('| 2 | interview-07');
  });

  it('gives each call its figures, errors, timeline and word diff', () => {
    const first = md.slice(md.indexOf('### 2. interview-07'));
    expect(first).toContain('calls/interview-07.wav · 9.8 s · closed ws 1000 · session sess-4f2a');
    expect(first).toContain('WER 50.0 % (S 2, D 1, I 1; 8 words)');
    expect(first).toContain('- asr\\_timeout: recognizer took longer than 2000 ms ×2');
    expect(first).toContain('| final (turn end), client | 20 | 612 | 845 | 933 | 977 |');
    expect(first).toContain('![timeline of interview-07](timelines/interview-07.png)');
    expect(first).toContain('- ch 0: WER 50.0 % (S 2, D 1, I 1; 8 words) · turns 2 of 2 · eager ends 3, resumed 1 (0.50 per turn) · flicker 25.0 % · corrections 1');
    expect(first).toContain('  > he [was→is] not an ~~ill~~ disposed young [man→woman] **today**');
    expect(first).toContain('  > yes (no reference)');
    const second = md.slice(md.indexOf('### 1. support/line 3'), md.indexOf('### 2. interview-07'));
    expect(second).toContain('**Failed:** the server refused the session: too many sessions');
    expect(second).toContain('closed refused (not ok)');
    expect(second).toContain('- rate\\_limited (fatal): too many sessions');
    expect(second).not.toContain('![timeline');
    // It never ran: no latency was measured, and no table of dashes says so.
    expect(second).not.toContain('| latency (ms) |');
  });

  it('sets the primary and shadow runs side by side, with their differences per call', () => {
    const shadow = renderMarkdown(sampleReport({ shadow: true }));
    expect(shadow).toContain('Shadow: ws ws://127.0.0.1:9090/v1/stream');
    expect(shadow).toContain('|  | primary | shadow | Δ (shadow − primary) |');
    expect(shadow).toContain('| WER | 15.0 % (S 3, D 1, I 2; 40 words) | 17.5 % (S 4, D 1, I 2; 40 words) | +2.5 pp |');
    expect(shadow).toContain('| calls | 2 | 2 | 0 |');
    expect(shadow).toContain('| final (turn end), client p95 (ms) | 845 | 855 | +10 ms |');
    expect(shadow).toContain('| closes | refused ×1, ws 1000 ×1 | refused ×1, ws 1000 ×1 |  |');
    expect(shadow).toContain('| interview-07 | +2.5 pp | -37 ms | +12 ms | 2 |');
    expect(shadow).toContain('- ch 0, 2 differing:\n\n  > he [was→is] **quite** not');
    expect(shadow).not.toContain('- ch 1, 0 differing');
    expect(md).not.toContain('Shadow');
  });

  it('keeps hostile text inert: no HTML, no links, no broken tables', () => {
    const report = sampleReport();
    const call = report.calls[1]!;
    report.calls[1] = {
      ...call,
      id: 'a|b <script>alert(1)</script>',
      channels: [{ ...call.channels[1]!, hypothesis: '[click](http://evil) **bold**\n| x |' }],
    };
    const hostile = renderMarkdown(report);
    expect(hostile).not.toContain('<script>');
    expect(hostile).toContain('| 2 | a\\|b \\<script\\>alert(1)\\</script\\> |');
    expect(hostile).toContain('  > \\[click\\](http://evil) \\*\\*bold\\*\\* \\| x \\| (no reference)');
  });
});
