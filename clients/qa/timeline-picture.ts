import sharp from 'sharp';
import type { CallReport } from './qa-report.js';
import { TIMELINE_COLOURS, timelineOverlaySvg } from './timeline-overlay.js';
import { timelineDuration, timelineLayout, type SpeechRegion, type TimelineLayout, type TimelineLayoutOptions } from './timeline-layout.js';

export interface TimelineInput {
  /** The call's audio, one array per channel, at `sampleRate`. */
  samples: Float32Array[];
  sampleRate: number;
  call: CallReport;
  /** Speech a local voice activity detector found (the call's audio time), drawn as a strip under each waveform. */
  vadRegions?: SpeechRegion[];
}

/**
 * A call's timeline as PNG: per channel the waveform, the server's speech regions, turn
 * starts, eager and final end marks with their latency, the words of partials and finals at
 * their times, a legend and a time axis. The waveform is drawn as pixels (an SVG path of a
 * long call's envelope would be huge); sharp draws the rest from SVG over it. The axis is the
 * server's audio clock: the call's audio and `vadRegions` are drawn `server_clock_lead_ms`
 * later, where the server heard them.
 */
export async function drawTimeline(input: TimelineInput, options: TimelineLayoutOptions = {}): Promise<Buffer> {
  const layout = timelineLayoutOf(input, options);
  const pixels = Buffer.alloc(layout.width * layout.height * 4, 255);
  drawWaveforms(pixels, layout, input.samples, input.sampleRate, input.call.server_clock_lead_ms);
  const overlay = Buffer.from(timelineOverlaySvg(input.call, layout, vadRegionsOf(input)));
  return sharp(pixels, { raw: { width: layout.width, height: layout.height, channels: 4 } })
    .composite([{ input: overlay, top: 0, left: 0 }])
    .png()
    .toBuffer();
}

/** The geometry `drawTimeline` uses for this input. */
export function timelineLayoutOf(input: TimelineInput, options: TimelineLayoutOptions = {}): TimelineLayout {
  if (!(input.sampleRate > 0)) throw new RangeError(`sampleRate must be positive, not ${input.sampleRate}`);
  const vad = vadRegionsOf(input);
  const audioMs = input.samples.map((s) => (s.length / input.sampleRate) * 1000 + input.call.server_clock_lead_ms);
  return timelineLayout(input.call, input.samples.length, timelineDuration(input.call, audioMs, vad), vad.length > 0, options);
}

/** The local VAD's regions on the server's clock. */
function vadRegionsOf(input: TimelineInput): SpeechRegion[] {
  const lead = input.call.server_clock_lead_ms;
  return (input.vadRegions ?? []).map((r) => ({ ...r, start_ms: r.start_ms + lead, end_ms: r.end_ms + lead }));
}

/**
 * Each pixel column spans the samples of its time: the column is filled from their minimum
 * to their maximum. One scale for all channels, the loudest sample at full height, so a
 * quiet recording is still visible and channels keep their relative levels. The audio starts
 * `leadMs` into the axis.
 */
function drawWaveforms(pixels: Buffer, layout: TimelineLayout, samples: readonly Float32Array[], sampleRate: number, leadMs: number): void {
  let peak = 0;
  for (const channel of samples) for (const v of channel) if (Math.abs(v) > peak) peak = Math.abs(v);
  if (peak === 0) peak = 1;
  const [r, g, b] = rgb(TIMELINE_COLOURS.wave);
  const samplesPerPx = sampleRate / (layout.scale * 1000);
  const leadSamples = (leadMs * sampleRate) / 1000;
  samples.forEach((channel, c) => {
    const lane = layout.lanes[c]!;
    for (let x = 0; x < layout.plotWidth; x++) {
      const from = Math.floor(x * samplesPerPx - leadSamples);
      if (from < 0) continue;
      if (from >= channel.length) break;
      const to = Math.min(channel.length, Math.max(from + 1, Math.floor((x + 1) * samplesPerPx - leadSamples)));
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = from; i < to; i++) {
        const v = channel[i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      // NaN samples compare false: a column of nothing else is left blank.
      if (hi < lo) continue;
      const top = lane.centre - Math.round((hi / peak) * lane.amplitude);
      const bottom = lane.centre - Math.round((lo / peak) * lane.amplitude);
      for (let y = top; y <= bottom; y++) {
        const at = (y * layout.width + layout.plotLeft + x) * 4;
        pixels[at] = r;
        pixels[at + 1] = g;
        pixels[at + 2] = b;
      }
    }
  });
}

export function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}
