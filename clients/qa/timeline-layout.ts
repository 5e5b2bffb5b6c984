import type { CallReport } from './qa-report.js';

/**
 * Where everything of a call's timeline picture goes: one lane per channel stacked under a
 * title and a legend, a time axis at the bottom. Time runs left to right at a fixed scale
 * (100 px a second by default) so pictures of different calls compare by eye; a long call
 * compresses to the widest plot allowed, a short one stretches to the narrowest.
 */
export interface TimelineLayoutOptions {
  /** Default 100. */
  pxPerSecond?: number;
  /** The plot's width bounds, px; defaults 800 and 4000. */
  minPlotWidth?: number;
  maxPlotWidth?: number;
}

/** Audio a local voice activity detector (or the manifest) marks as speech, audio times. */
export interface SpeechRegion {
  channel: number;
  start_ms: number;
  end_ms: number;
}

export interface LaneLayout {
  channel: number;
  top: number;
  bottom: number;
  /** Baselines of the turn label, the eager end label and the end label. */
  turnRow: number;
  eagerRow: number;
  endRow: number;
  /** The speech band spans waveTop..waveBottom; the waveform stays `WAVE_PAD` px inside it. */
  waveTop: number;
  waveBottom: number;
  centre: number;
  /** Pixels from the centre line to full scale. */
  amplitude: number;
  vadTop: number;
  /** Baselines of the rows final words and partial words are set in. */
  finalRows: number[];
  partialRows: number[];
  footerRow: number;
}

export interface TimelineLayout {
  width: number;
  height: number;
  plotLeft: number;
  plotWidth: number;
  durationMs: number;
  /** Pixels per millisecond. */
  scale: number;
  /** Baselines of the title and the legend's rows. */
  titleRow: number;
  legendRows: number[];
  lanes: LaneLayout[];
  axisTop: number;
}

export const MARGIN_LEFT = 80;
export const MARGIN_RIGHT = 24;
const TITLE_HEIGHT = 28;
const LEGEND_ROW = 18;
const LABEL_ROW = 14;
export const WAVE_HEIGHT = 120;
export const WAVE_PAD = 6;
export const VAD_HEIGHT = 6;
const WORD_ROW = 14;
const WORD_ROWS = 3;
const AXIS_HEIGHT = 34;
/** DejaVu Sans averages about 0.6 em a character: enough to keep words and labels apart. */
const CHAR_EM = 0.62;

export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * CHAR_EM;
}

/** What the legend shows, in order; `vad` only when the picture has local speech regions. */
export const LEGEND_ITEMS = [
  { key: 'audio', label: 'audio' },
  { key: 'speech', label: 'speech (server: speech.started to speech end)' },
  { key: 'vad', label: 'speech (local VAD)' },
  { key: 'turn', label: 'turn start' },
  { key: 'eager', label: 'eager end: latency (server)' },
  { key: 'end', label: 'end: latency (server)' },
  { key: 'final', label: 'final words' },
  { key: 'partial', label: 'partial words' },
  { key: 'changed', label: 'partial changed later' },
  { key: 'corrected', label: 'turn corrected after its end' },
] as const;
export type LegendKey = (typeof LEGEND_ITEMS)[number]['key'];
export const LEGEND_FONT = 11;
export const LEGEND_SWATCH = 24;
/** Between a swatch and its label; after the label, before the next swatch. */
export const LEGEND_LABEL_GAP = 6;
const LEGEND_ITEM_GAP = 18;

function legendItems(withVad: boolean): Array<(typeof LEGEND_ITEMS)[number]> {
  return LEGEND_ITEMS.filter((item) => withVad || item.key !== 'vad');
}

function legendItemWidth(label: string): number {
  return LEGEND_SWATCH + LEGEND_LABEL_GAP + textWidth(label, LEGEND_FONT) + LEGEND_ITEM_GAP;
}

/** Rows of the legend at this width: items fill a row left to right, then wrap. */
export function legendRowsOf(width: number, withVad: boolean): Array<Array<{ key: LegendKey; label: string; x: number }>> {
  const rows: Array<Array<{ key: LegendKey; label: string; x: number }>> = [[]];
  let x = MARGIN_LEFT;
  for (const item of legendItems(withVad)) {
    const w = legendItemWidth(item.label);
    if (x + w > width - MARGIN_RIGHT && rows.at(-1)!.length > 0) {
      rows.push([]);
      x = MARGIN_LEFT;
    }
    rows.at(-1)!.push({ key: item.key, label: item.label, x });
    x += w;
  }
  return rows;
}

/** The audio's length, or later if a turn's end or a word was received after the audio ran out. */
export function timelineDuration(call: CallReport, audioMs: number[], vadRegions: readonly SpeechRegion[]): number {
  const times = [call.audio_ms, ...audioMs, ...vadRegions.map((r) => r.end_ms)];
  for (const t of call.turns) {
    times.push(t.speech_end_ms ?? 0, t.eager_end_at_ms ?? 0, t.end_at_ms ?? 0);
    for (const w of [...t.partial_words, ...t.final_words]) times.push(w.end_ms);
  }
  return Math.max(1, ...times.filter(Number.isFinite));
}

export function timelineLayout(
  call: CallReport,
  channels: number,
  durationMs: number,
  withVad: boolean,
  options: TimelineLayoutOptions = {},
): TimelineLayout {
  const pxPerSecond = options.pxPerSecond ?? 100;
  const plotWidth = Math.round(
    Math.min(options.maxPlotWidth ?? 4000, Math.max(options.minPlotWidth ?? 800, (durationMs / 1000) * pxPerSecond)),
  );
  const width = MARGIN_LEFT + plotWidth + MARGIN_RIGHT;
  const legendRows = legendRowsOf(width, withVad).map((_, i) => TITLE_HEIGHT + 12 + i * LEGEND_ROW);
  const laneCount = Math.max(1, channels, ...call.channels.map((c) => c.channel + 1), ...call.turns.map((t) => t.channel + 1));
  const lanes: LaneLayout[] = [];
  let top = legendRows.at(-1)! + 12;
  for (let channel = 0; channel < laneCount; channel++) {
    const waveTop = top + 3 * LABEL_ROW + 6;
    const waveBottom = waveTop + WAVE_HEIGHT;
    const vadTop = waveBottom + 3;
    const finalRows = Array.from({ length: WORD_ROWS }, (_, i) => vadTop + VAD_HEIGHT + 14 + i * WORD_ROW);
    const partialRows = Array.from({ length: WORD_ROWS }, (_, i) => finalRows.at(-1)! + 16 + i * WORD_ROW);
    const footerRow = partialRows.at(-1)! + 14;
    const bottom = footerRow + 8;
    lanes.push({
      channel,
      top,
      bottom,
      turnRow: top + LABEL_ROW,
      eagerRow: top + 2 * LABEL_ROW,
      endRow: top + 3 * LABEL_ROW,
      waveTop,
      waveBottom,
      centre: waveTop + WAVE_HEIGHT / 2,
      amplitude: WAVE_HEIGHT / 2 - WAVE_PAD,
      vadTop,
      finalRows,
      partialRows,
      footerRow,
    });
    top = bottom;
  }
  return {
    width,
    height: top + AXIS_HEIGHT,
    plotLeft: MARGIN_LEFT,
    plotWidth,
    durationMs,
    scale: plotWidth / durationMs,
    titleRow: 19,
    legendRows,
    lanes,
    axisTop: top + 4,
  };
}

/** Round tick steps, seconds: the first at least 70 px apart is used. */
const TICK_STEPS_S = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

export function timeTicks(layout: TimelineLayout): Array<{ ms: number; label: string }> {
  const stepS = TICK_STEPS_S.find((s) => s * 1000 * layout.scale >= 70) ?? TICK_STEPS_S.at(-1)!;
  const ticks: Array<{ ms: number; label: string }> = [];
  for (let k = 0; k * stepS * 1000 <= layout.durationMs; k++) {
    const seconds = +(k * stepS).toFixed(1);
    ticks.push({ ms: seconds * 1000, label: layout.durationMs < 120_000 ? `${seconds} s` : clock(seconds) });
  }
  return ticks;
}

function clock(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}
