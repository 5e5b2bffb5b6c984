import { escapeMarkup as h } from './escape-markup.js';
import type { AlignedWord, CallReport, LatencyReport, QaReport } from './qa-report.js';
import {
  DEFAULT_WORST_CALLS,
  WORST_CALL_HEADER,
  comparedRows,
  describeCall,
  describeChannel,
  describeRun,
  formatDifference,
  formatWer,
  groupedErrors,
  hasLatency,
  latencyTable,
  summaryRows,
  worstCallCells,
  type ReportRenderOptions,
} from './report-figures.js';

/**
 * `report.html`: one self-contained page (inline style, no script, nothing fetched but the
 * timeline pictures beside it). Every piece of report text is escaped, and the page's content
 * security policy forbids scripts besides, so a hostile transcript stays text.
 */
export function renderHtml(report: QaReport, options: ReportRenderOptions = {}): string {
  const body: string[] = ['<h1>Parley QA replay report</h1>', `<p class="run">Created ${h(report.created_at)}: ${h(describeRun(report.run))}.</p>`];
  if (report.shadow) body.push(`<p class="run">Shadow: ${h(describeRun(report.shadow.run))}.</p>`);
  if (!report.complete) body.push('<p class="warning"><strong>Interrupted:</strong> the calls that had not finished are missing from this report.</p>');
  body.push('<h2>Summary</h2>');
  if (report.shadow) {
    body.push(table(['', 'primary', 'shadow', 'Δ (shadow − primary)'], comparedRows(report.summary, report.shadow.summary), 'id="summary-table"'));
  } else {
    body.push(table(['figure', 'value'], summaryRows(report.summary), 'id="summary-table"'), latency(report.summary.latency));
  }
  body.push('<h2>Worst calls</h2>');
  const worst = report.calls.slice(0, options.worstCalls ?? DEFAULT_WORST_CALLS);
  const worstRows = worst.map((call, i): Cell[] => [String(i + 1), { html: `<a href="#call-${i + 1}">${h(call.id)}</a>` }, ...worstCallCells(call)]);
  body.push(table(WORST_CALL_HEADER, worstRows, 'class="worst"'));
  if (report.shadow) body.push(...shadowDifferences(report));
  body.push('<h2>Calls</h2>', LEGEND);
  report.calls.forEach((call, i) => body.push(callSection(call, i + 1)));
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Parley QA report ${h(report.created_at)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1a1a1a; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #cccccc; padding: 3px 8px; }
thead th { background: #f2f2f2; text-align: left; }
td { text-align: right; font-variant-numeric: tabular-nums; }
th[scope=row] { text-align: left; font-weight: normal; }
.worst td:nth-child(2), .worst td:last-child { text-align: left; }
.warning { background: #fff3cd; padding: 6px 10px; }
.call { border-top: 1px solid #dddddd; margin-top: 28px; }
.failed h3, .failure { color: #b00000; }
.timeline { overflow-x: auto; margin: 8px 0; border: 1px solid #dddddd; }
.timeline img { display: block; }
.diff { line-height: 1.9; max-width: 110ch; }
del { background: #fdd8d8; color: #a00000; text-decoration: line-through; }
ins { background: #d5f5d5; color: #005f00; text-decoration: underline; }
.sub { background: #fff0c2; padding: 0 2px; border-radius: 3px; }
.sub del, .sub ins { background: none; }
`;

const LEGEND =
  '<p class="legend">Word diffs: <span class="sub"><del>reference</del>→<ins>recognized</ins></span> substituted · ' +
  '<del>word</del> in the reference, not recognized (deleted) · <ins>word</ins> recognized, not in the reference (inserted) · plain words matched.</p>';

function callSection(call: CallReport, rank: number): string {
  const out = [`<section class="call${call.failure === null ? '' : ' failed'}" id="call-${rank}">`, `<h3>${rank}. ${h(call.id)}</h3>`];
  out.push(`<p>${h(describeCall(call))}</p>`);
  if (call.failure !== null) out.push(`<p class="failure"><strong>Failed:</strong> ${h(call.failure)}</p>`);
  out.push(`<p>WER ${h(formatWer(call.wer))}</p>`);
  const errors = groupedErrors(call);
  if (errors.length > 0) {
    const items = errors.map((e) => `<li><code>${h(e.code)}</code>${e.fatal ? ' (fatal)' : ''}: ${h(e.message)}${e.count > 1 ? ` ×${e.count}` : ''}</li>`);
    out.push(`<ul class="errors">${items.join('')}</ul>`);
  }
  if (hasLatency(call.latency)) out.push(latency(call.latency));
  if (call.timeline_png !== null) {
    const src = h(encodeURI(call.timeline_png));
    out.push(`<figure class="timeline"><a href="${src}"><img src="${src}" alt="Timeline of call ${h(call.id)}"></a></figure>`);
  }
  for (const channel of call.channels) {
    out.push(`<h4>ch ${channel.channel}</h4>`, `<p>${h(describeChannel(channel))}</p>`);
    out.push(
      channel.alignment === null
        ? `<p class="diff">${h(channel.hypothesis) || '(nothing recognized)'} <em>(no reference)</em></p>`
        : `<p class="diff">${diff(channel.alignment)}</p>`,
    );
  }
  out.push('</section>');
  return out.join('\n');
}

function shadowDifferences(report: QaReport): string[] {
  const differences = report.shadow!.differences;
  const out = [
    '<h2>Shadow differences</h2>',
    '<p>Shadow minus primary, per call. Word diffs: <del>word</del> only primary, <ins>word</ins> only shadow, <span class="sub"><del>primary</del>→<ins>shadow</ins></span> differing.</p>',
  ];
  const rows = differences.map((d): Cell[] => [
    d.id,
    formatDifference(d.wer_delta, 'share'),
    formatDifference(d.final_p50_delta_ms, 'ms'),
    formatDifference(d.perceived_p50_delta_ms, 'ms'),
    String(d.words.reduce((n, w) => n + w.differing, 0)),
  ]);
  out.push(table(['call', 'WER Δ', 'final p50 Δ', 'perceived p50 Δ', 'differing words'], rows, 'class="differences"'));
  for (const d of differences) {
    const differing = d.words.filter((w) => w.differing > 0);
    if (differing.length === 0) continue;
    out.push(`<h3>${h(d.id)}</h3>`);
    for (const w of differing) out.push(`<p><strong>ch ${w.channel}</strong>, ${w.differing} differing:</p>`, `<p class="diff">${diff(w.alignment)}</p>`);
  }
  return out;
}

function latency(latencyReport: LatencyReport): string {
  const { header, rows } = latencyTable(latencyReport);
  return table(header, rows, 'class="latency"');
}

function diff(alignment: readonly AlignedWord[]): string {
  return alignment
    .map((a) => {
      switch (a.op) {
        case 'match':
          return h(a.hyp);
        case 'sub':
          return `<span class="sub" title="substituted"><del>${h(a.ref)}</del>→<ins>${h(a.hyp)}</ins></span>`;
        case 'del':
          return `<del title="deleted">${h(a.ref)}</del>`;
        case 'ins':
          return `<ins title="inserted">${h(a.hyp)}</ins>`;
      }
    })
    .join(' ');
}

/** A table cell: text (escaped here) or HTML already built from escaped parts. */
type Cell = string | { html: string };

/** The first column heads its row. */
function table(header: readonly string[], rows: ReadonlyArray<readonly Cell[]>, attributes: string): string {
  const cell = (c: Cell) => (typeof c === 'string' ? h(c) : c.html);
  const head = `<thead><tr>${header.map((c) => `<th scope="col">${h(c)}</th>`).join('')}</tr></thead>`;
  const body = rows.map((row) => `<tr>${row.map((c, i) => (i === 0 ? `<th scope="row">${cell(c)}</th>` : `<td>${cell(c)}</td>`)).join('')}</tr>`);
  return `<table ${attributes}>${head}<tbody>\n${body.join('\n')}\n</tbody></table>`;
}
