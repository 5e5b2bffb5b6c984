import { escapeMarkup } from './escape-markup.js';
import type { CallReport, TimelineTurn } from './qa-report.js';
import { formatShare } from './report-figures.js';
import {
  LEGEND_FONT,
  LEGEND_LABEL_GAP,
  LEGEND_SWATCH,
  VAD_HEIGHT,
  WAVE_HEIGHT,
  legendRowsOf,
  textWidth,
  timeTicks,
  type LaneLayout,
  type LegendKey,
  type SpeechRegion,
  type TimelineLayout,
} from './timeline-layout.js';

/** Okabe and Ito's palette where colours must tell things apart: distinct for the common colour blindnesses. */
export const TIMELINE_COLOURS = {
  wave: '#4a6b8a',
  speech: '#009e73',
  vad: '#56b4e9',
  turn: '#000000',
  eager: '#e69f00',
  end: '#0072b2',
  final: '#000000',
  partial: '#8c8c8c',
  changed: '#d55e00',
  corrected: '#cc79a7',
  rule: '#d0d0d0',
} as const;
/** Translucent, so the waveform stays visible under the speech band. */
export const SPEECH_OPACITY = 0.18;
const FINAL_FONT = 12;
const PARTIAL_FONT = 11;
const LABEL_FONT = 11;

/**
 * Everything of the timeline but the waveform, as SVG with a transparent background: drawn over
 * the waveform's pixels. Text is escaped: words come from the recognizer, ids from the manifest.
 */
export function timelineOverlaySvg(call: CallReport, layout: TimelineLayout, vadRegions: readonly SpeechRegion[]): string {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" font-family="DejaVu Sans, sans-serif" font-size="${LABEL_FONT}">`,
    ...title(call, layout),
    ...legend(layout, vadRegions.length > 0),
  ];
  for (const lane of layout.lanes) out.push(...laneSvg(call, lane, layout, vadRegions));
  out.push(...axis(layout), '</svg>');
  return out.join('\n');
}

function xOf(layout: TimelineLayout, ms: number): number {
  return round(layout.plotLeft + Math.min(Math.max(ms, 0), layout.durationMs) * layout.scale);
}

function title(call: CallReport, layout: TimelineLayout): string[] {
  const facts = [call.audio, `${(call.audio_ms / 1000).toFixed(1)} s`];
  if (call.wer?.wer != null) facts.push(`WER ${formatShare(call.wer.wer)}`);
  facts.push(`closed ${call.close.label}`);
  const failure = call.failure === null ? '' : `<tspan fill="${TIMELINE_COLOURS.changed}"> · failed: ${escapeMarkup(call.failure)}</tspan>`;
  return [
    `<text x="${layout.plotLeft}" y="${layout.titleRow}" font-size="14" xml:space="preserve"><tspan font-weight="bold">${escapeMarkup(call.id)}</tspan>` +
      `<tspan fill="#444444"> · ${escapeMarkup(facts.join(' · '))}</tspan>${failure}</text>`,
  ];
}

function legend(layout: TimelineLayout, withVad: boolean): string[] {
  const out: string[] = [];
  legendRowsOf(layout.width, withVad).forEach((row, i) => {
    const y = layout.legendRows[i]!;
    for (const item of row) {
      out.push(swatch(item.key, item.x, y));
      out.push(`<text x="${item.x + LEGEND_SWATCH + LEGEND_LABEL_GAP}" y="${y}" font-size="${LEGEND_FONT}">${escapeMarkup(item.label)}</text>`);
    }
  });
  return out;
}

function swatch(key: LegendKey, x: number, y: number): string {
  const c = TIMELINE_COLOURS;
  const line = (colour: string, extra = '') => `<line x1="${x}" y1="${y - 4}" x2="${x + LEGEND_SWATCH}" y2="${y - 4}" stroke="${colour}" stroke-width="2" ${extra}/>`;
  const sample = (fill: string, extra = '') => `<text x="${x}" y="${y}" font-size="${LEGEND_FONT}" fill="${fill}" ${extra}>Aa</text>`;
  switch (key) {
    case 'audio':
      return `<polyline points="${[0, 4, 8, 12, 16, 20, 24].map((d, i) => `${x + d},${y - 4 + (i % 2 ? -5 : 5)}`).join(' ')}" fill="none" stroke="${c.wave}"/>`;
    case 'speech':
      return `<rect x="${x}" y="${y - 10}" width="${LEGEND_SWATCH}" height="12" fill="${c.speech}" fill-opacity="${SPEECH_OPACITY}"/>`;
    case 'vad':
      return `<rect x="${x}" y="${y - 7}" width="${LEGEND_SWATCH}" height="${VAD_HEIGHT}" fill="${c.vad}"/>`;
    case 'turn':
      return line(c.turn, 'stroke-dasharray="3 3" stroke-opacity="0.55"');
    case 'eager':
      return line(c.eager, 'stroke-dasharray="5 3"');
    case 'end':
      return line(c.end);
    case 'final':
      return sample(c.final);
    case 'partial':
      return sample(c.partial);
    case 'changed':
      return sample(c.changed, 'text-decoration="line-through"');
    case 'corrected':
      return sample(c.corrected, 'font-weight="bold"');
  }
}

function laneSvg(call: CallReport, lane: LaneLayout, layout: TimelineLayout, vadRegions: readonly SpeechRegion[]): string[] {
  const c = TIMELINE_COLOURS;
  const x = (ms: number) => xOf(layout, ms);
  const out: string[] = [];
  if (lane.channel > 0) out.push(`<line x1="0" y1="${lane.top + 0.5}" x2="${layout.width}" y2="${lane.top + 0.5}" stroke="${c.rule}"/>`);
  out.push(`<text x="8" y="${lane.centre}" font-size="13" font-weight="bold">ch ${lane.channel}</text>`);
  const wer = call.channels.find((ch) => ch.channel === lane.channel)?.wer?.wer;
  if (wer != null) out.push(`<text x="8" y="${lane.centre + 16}" fill="#444444">WER ${formatShare(wer)}</text>`);
  // Half-pixel offsets put the 1 px frame on the pixels just outside the plot and the band.
  out.push(
    `<rect x="${layout.plotLeft - 0.5}" y="${lane.waveTop - 0.5}" width="${layout.plotWidth + 1}" height="${WAVE_HEIGHT + 1}" fill="none" stroke="${c.rule}"/>`,
  );
  const turns = call.turns.filter((t) => t.channel === lane.channel);
  for (const t of turns) {
    if (t.speech_start_ms === null) continue;
    // A turn still open when the call ended is speech to the end.
    const end = t.speech_end_ms ?? layout.durationMs;
    out.push(
      `<rect x="${x(t.speech_start_ms)}" y="${lane.waveTop}" width="${round(Math.max(0, x(end) - x(t.speech_start_ms)))}" height="${WAVE_HEIGHT}" fill="${c.speech}" fill-opacity="${SPEECH_OPACITY}"/>`,
    );
  }
  for (const r of vadRegions.filter((v) => v.channel === lane.channel)) {
    out.push(`<rect x="${x(r.start_ms)}" y="${lane.vadTop}" width="${round(Math.max(1, x(r.end_ms) - x(r.start_ms)))}" height="${VAD_HEIGHT}" fill="${c.vad}"/>`);
  }
  const rows: LabelRows = { turn: -Infinity, eager: -Infinity, end: -Infinity };
  const sorted = [...turns].sort((a, b) => turnStart(a) - turnStart(b));
  const anchors = sorted.map((t) => labelAnchors(t, layout));
  sorted.forEach((t, i) => {
    // A label may run up to the next turn's label in its row: crowded turns get short labels, all of them.
    const later = anchors.slice(i + 1);
    const room = (row: keyof LabelRows) => Math.min(...later.map((a) => a[row] ?? Infinity)) - 4;
    out.push(...turnMarks(t, lane, layout, rows, { turn: room('turn'), eager: room('eager'), end: room('end') }));
  });
  out.push(...words(turns, lane, layout));
  return out;
}

/** Where each label row of a lane is taken up to, px: turns are labelled left to right. */
interface LabelRows {
  turn: number;
  eager: number;
  end: number;
}

/** Where a turn's labels start, px; null for a mark the turn has not. */
function labelAnchors(t: TimelineTurn, layout: TimelineLayout): Record<keyof LabelRows, number | null> {
  const x = (ms: number | null) => (ms === null ? null : xOf(layout, ms) + 3);
  return { turn: x(turnStart(t)), eager: x(t.eager_end_at_ms), end: x(t.end_at_ms) };
}

function turnStart(t: TimelineTurn): number {
  return t.speech_start_ms ?? t.final_words[0]?.start_ms ?? t.partial_words[0]?.start_ms ?? t.end_at_ms ?? 0;
}

function turnMarks(t: TimelineTurn, lane: LaneLayout, layout: TimelineLayout, rows: LabelRows, room: LabelRows): string[] {
  const c = TIMELINE_COLOURS;
  const x = (ms: number) => xOf(layout, ms);
  const out: string[] = [];
  const label = (row: keyof LabelRows, at: number, before: number, baseline: number, attributes: string, options: string[][]) => {
    const placed = placeLabel(rows, row, at, before, room[row], layout.plotLeft + layout.plotWidth + 20, options);
    if (placed) out.push(`<text x="${placed.x}" y="${baseline}" ${attributes}${placed.anchorEnd ? ' text-anchor="end"' : ''}>${placed.svg}</text>`);
  };
  if (t.speech_start_ms !== null) {
    const xs = x(t.speech_start_ms);
    out.push(`<line x1="${xs}" y1="${lane.top + 3}" x2="${xs}" y2="${lane.partialRows.at(-1)!}" stroke="${c.turn}" stroke-opacity="0.55" stroke-dasharray="3 3"/>`);
  }
  const xs = x(turnStart(t)) + 3;
  const resumed = t.resumed > 0 ? ` · resumed ${t.resumed}` : '';
  const corrected = t.corrected ? [' · corrected', `<tspan fill="${c.corrected}" font-weight="bold"> · corrected</tspan>`] : ['', ''];
  label('turn', xs, xs, lane.turnRow, 'font-weight="bold" xml:space="preserve"', [
    [`turn ${t.turn_id}${resumed}${corrected[0]}`, `turn ${t.turn_id}${resumed}${corrected[1]}`],
    [`${t.turn_id}${corrected[0] ? '*' : ''}`, `${t.turn_id}${corrected[0] ? `<tspan fill="${c.corrected}">*</tspan>` : ''}`],
  ]);
  const marker = (kind: 'eager' | 'end', at: number | null, latency: number | null, server: number | null | undefined, baseline: number) => {
    if (at === null) return;
    const colour = kind === 'eager' ? c.eager : c.end;
    const xm = x(at);
    const dash = kind === 'eager' ? ' stroke-dasharray="5 3"' : '';
    out.push(`<line x1="${xm}" y1="${baseline - 7}" x2="${xm}" y2="${lane.waveBottom}" stroke="${colour}" stroke-width="2"${dash}/>`);
    // The latency drawn as a span from the end of speech to the mark, beside its figure.
    const xe = t.speech_end_ms === null ? xm : x(t.speech_end_ms);
    if (t.speech_end_ms !== null) out.push(`<line x1="${xe}" y1="${baseline - 4}" x2="${xm}" y2="${baseline - 4}" stroke="${colour}" stroke-width="2"/>`);
    const ms = latency === null ? null : Math.round(latency);
    const options = ms === null ? [kind] : [`${kind} ${ms} ms${server == null ? '' : ` (server ${Math.round(server)})`}`, `${kind} ${ms} ms`, String(ms)];
    label(kind, xm + 3, Math.min(xm, xe) - 3, baseline, `fill="${colour}"`, options.map((o) => [o, o]));
  };
  marker('eager', t.eager_end_at_ms, t.eager_latency_ms, t.server_eager_latency_ms, lane.eagerRow);
  marker('end', t.end_at_ms, t.final_latency_ms, t.server_final_latency_ms, lane.endRow);
  return out;
}

/**
 * The longest of `options` ([plain text, its SVG]) that fits in its row: starting at `after`
 * and ending by `limit`, or, at the plot's right edge, ending at `before`; never over the
 * row's last label. Null when none fits: a crowded timeline keeps its marks, drops their text.
 */
function placeLabel(
  rows: LabelRows,
  row: keyof LabelRows,
  after: number,
  before: number,
  limit: number,
  edge: number,
  options: string[][],
): { x: number; anchorEnd: boolean; svg: string } | null {
  for (const [text, svg] of options) {
    const width = textWidth(text!, LABEL_FONT);
    if (after >= rows[row] && after + width <= Math.min(limit, edge)) {
      rows[row] = after + width + 4;
      return { x: after, anchorEnd: false, svg: svg! };
    }
    if (after + width > edge && before - width >= rows[row]) {
      rows[row] = before + 4;
      return { x: before, anchorEnd: true, svg: svg! };
    }
  }
  return null;
}

interface PlacedWord {
  word: string;
  start_ms: number;
  changed: boolean;
}

/** Final words solid in their rows, partial words faded in theirs; a word that fits no row is left out and counted. */
function words(turns: TimelineTurn[], lane: LaneLayout, layout: TimelineLayout): string[] {
  const c = TIMELINE_COLOURS;
  const finals = turns.flatMap((t) => t.final_words.map((w) => ({ word: w.word, start_ms: w.start_ms, changed: false })));
  const partials = turns.flatMap((t) => t.partial_words);
  const out: string[] = [];
  let hidden = 0;
  const set = (list: PlacedWord[], rows: number[], fontSize: number, style: (w: PlacedWord) => string) => {
    const ends = rows.map(() => -Infinity);
    for (const w of [...list].sort((a, b) => a.start_ms - b.start_ms)) {
      const xw = xOf(layout, w.start_ms);
      const row = ends.findIndex((end) => end <= xw);
      if (row < 0) {
        hidden++;
        continue;
      }
      ends[row] = xw + textWidth(w.word, fontSize) + 4;
      out.push(`<text x="${xw}" y="${rows[row]!}" font-size="${fontSize}" ${style(w)}>${escapeMarkup(w.word)}</text>`);
    }
  };
  set(finals, lane.finalRows, FINAL_FONT, () => `fill="${c.final}"`);
  set(partials, lane.partialRows, PARTIAL_FONT, (w) =>
    w.changed ? `fill="${c.changed}" text-decoration="line-through"` : `fill="${c.partial}" fill-opacity="0.8"`,
  );
  if (hidden > 0) {
    out.push(
      `<text x="${layout.plotLeft + layout.plotWidth}" y="${lane.footerRow}" font-size="10" font-style="italic" fill="#888888" text-anchor="end">${hidden} words not shown at this scale</text>`,
    );
  }
  return out;
}

function axis(layout: TimelineLayout): string[] {
  const right = layout.plotLeft + layout.plotWidth;
  const y = layout.axisTop + 0.5;
  const out = [`<line x1="${layout.plotLeft}" y1="${y}" x2="${right}" y2="${y}" stroke="#666666"/>`];
  for (const tick of timeTicks(layout)) {
    const x = xOf(layout, tick.ms);
    out.push(`<line x1="${x}" y1="${y}" x2="${x}" y2="${y + 5}" stroke="#666666"/>`);
    out.push(`<text x="${x}" y="${y + 18}" text-anchor="middle" fill="#444444">${tick.label}</text>`);
  }
  return out;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
