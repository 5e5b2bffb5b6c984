import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../proto/project-root.js';
import { concatAudio, silence } from '../../test/support/audio-fixtures.js';
import { loadLibriVox } from '../../test/support/librivox.js';
import type { CallReport, TimelineTurn } from './qa-report.js';
import { sampleCall, sampleFailedCall } from './testing/sample-report.js';
import { drawTimeline, rgb, timelineLayoutOf, type TimelineInput } from './timeline-picture.js';
import { SPEECH_OPACITY, TIMELINE_COLOURS, timelineOverlaySvg } from './timeline-overlay.js';
import { textWidth, type LaneLayout, type TimelineLayout } from './timeline-layout.js';

const RATE = 16000;
const librivox = loadLibriVox();
const msOf = (samples: Float32Array) => (samples.length / RATE) * 1000;

/**
 * Channel 0: 1 s silence, "he was not an ill disposed young man", 1.5 s silence, "he might
 * even have been made amiable himself", 1 s silence. Channel 1: silence throughout, though
 * the server reported a short turn there. The turns are where the speech is; their ends
 * came 230 and 610 ms after the end of speech.
 */
function fixture(): TimelineInput & { speech: Array<[number, number]> } {
  const [first, second] = [librivox[1]!.samples, librivox[4]!.samples];
  const speech: Array<[number, number]> = [
    [1000, 1000 + msOf(first)],
    [1000 + msOf(first) + 1500, 1000 + msOf(first) + 1500 + msOf(second)],
  ];
  const ch0 = concatAudio(silence(1000), first, silence(1500), second, silence(1000));
  const ch1 = silence(msOf(ch0));
  const sample = sampleCall();
  const turns: TimelineTurn[] = sample.turns.map((t, i) => {
    if (t.channel !== 0) return t;
    const [start, end] = speech[i]!;
    return { ...t, speech_start_ms: start, speech_end_ms: end, eager_end_at_ms: end + 230, end_at_ms: end + 610 };
  });
  // Words as hostile as a recognizer could make them: markup, quotes, an ampersand, a control character.
  turns[0] = { ...turns[0]!, final_words: [...turns[0]!.final_words, { word: `<b>&'s "x"\u0001`, start_ms: 3300, end_ms: 3600 }] };
  const call: CallReport = { ...sample, audio_ms: msOf(ch0), turns };
  return { samples: [ch0, ch1], sampleRate: RATE, call, vadRegions: [{ channel: 0, start_ms: speech[0]![0], end_ms: speech[0]![1] }], speech };
}

async function decode(png: Buffer) {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number): [number, number, number] => {
    const i = (y * info.width + x) * 3;
    return [data[i]!, data[i + 1]!, data[i + 2]!];
  };
  return { info, at };
}

const near = (a: readonly number[], b: readonly number[], tolerance: number) => a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);
const isBackground = (p: readonly number[]) => p.every((v) => v >= 250);
/** The speech band's colour where nothing else is drawn over it. */
const BAND = rgb(TIMELINE_COLOURS.speech).map((c) => 255 * (1 - SPEECH_OPACITY) + c * SPEECH_OPACITY);

/** Plot columns of a lane with their time, leaving out those within 4 px of a line drawn across the waveform. */
function columns(layout: TimelineLayout, input: TimelineInput, lane: LaneLayout): Array<{ x: number; ms: number }> {
  const lines = input.call.turns
    .filter((t) => t.channel === lane.channel)
    .flatMap((t) => [t.speech_start_ms, t.speech_end_ms, t.eager_end_at_ms, t.end_at_ms])
    .filter((ms): ms is number => ms !== null)
    .map((ms) => layout.plotLeft + ms * layout.scale);
  const out: Array<{ x: number; ms: number }> = [];
  for (let x = layout.plotLeft + 4; x < layout.plotLeft + layout.plotWidth - 4; x++) {
    if (lines.some((l) => Math.abs(l - x) <= 4)) continue;
    out.push({ x, ms: (x + 0.5 - layout.plotLeft) / layout.scale });
  }
  return out;
}

/** Inside a span by more than 60 ms (6 px at 100 px/s), or outside every span by as much. */
const inside = (ms: number, spans: ReadonlyArray<readonly [number, number]>) => spans.some(([a, b]) => ms > a + 60 && ms < b - 60);
const outside = (ms: number, spans: ReadonlyArray<readonly [number, number]>) => spans.every(([a, b]) => ms < a - 60 || ms > b + 60);

describe('drawTimeline', () => {
  const input = fixture();

  it('lays the call out at 100 px a second, one lane per channel, and draws a PNG of that size', async () => {
    const layout = timelineLayoutOf(input);
    expect(layout.plotWidth).toBe(Math.round(msOf(input.samples[0]!) / 10));
    expect(layout.width).toBe(80 + layout.plotWidth + 24);
    expect(layout.lanes.map((l) => l.bottom - l.top)).toEqual([layout.lanes[0]!.bottom - layout.lanes[0]!.top, layout.lanes[0]!.bottom - layout.lanes[0]!.top]);
    const png = await drawTimeline(input);
    const { info } = await decode(png);
    expect([info.width, info.height]).toEqual([layout.width, layout.height]);
    // A picture to look at: test-artifacts/qa-timeline-sample.png.
    mkdirSync(join(projectRoot(), 'test-artifacts'), { recursive: true });
    writeFileSync(join(projectRoot(), 'test-artifacts', 'qa-timeline-sample.png'), png);
    const oneChannel = timelineLayoutOf({ ...input, samples: [input.samples[0]!], call: { ...input.call, channels: [], turns: [] } });
    expect(layout.height - oneChannel.height).toBe(layout.lanes[1]!.bottom - layout.lanes[1]!.top);
  });

  it('compresses a long call to the widest plot and stretches a short one to the narrowest', () => {
    const call = (audio_ms: number): CallReport => ({ ...input.call, audio_ms, turns: [] });
    expect(timelineLayoutOf({ samples: [], sampleRate: RATE, call: call(600_000) }).plotWidth).toBe(4000);
    expect(timelineLayoutOf({ samples: [], sampleRate: RATE, call: call(2_000) }).plotWidth).toBe(800);
    expect(timelineLayoutOf({ samples: [], sampleRate: RATE, call: call(30_000) }, { pxPerSecond: 50 }).plotWidth).toBe(1500);
  });

  /**
   * The same call over WebRTC: the server's clock runs 300 ms ahead of the audio, so every time
   * it reports is 300 ms later, and so is where the audio is drawn.
   */
  function ahead(lead: number): ReturnType<typeof fixture> {
    const shift = (ms: number | null) => (ms === null ? null : ms + lead);
    const turns = input.call.turns.map((t) => ({
      ...t,
      speech_start_ms: shift(t.speech_start_ms),
      speech_end_ms: shift(t.speech_end_ms),
      eager_end_at_ms: shift(t.eager_end_at_ms),
      end_at_ms: shift(t.end_at_ms),
    }));
    return { ...input, call: { ...input.call, server_clock_lead_ms: lead, turns }, speech: input.speech.map(([a, b]) => [a + lead, b + lead]) };
  }

  it.each([0, 300])('draws the waveform where the audio has speech and leaves silence blank (server clock %i ms ahead)', async (lead) => {
    const input = ahead(lead);
    const layout = timelineLayoutOf(input);
    expect(layout.plotWidth).toBe(Math.round((msOf(input.samples[0]!) + lead) / 10));
    const { at } = await decode(await drawTimeline(input));
    for (const lane of layout.lanes) {
      // Rows the waveform may reach, but not its centre line (a flat line is drawn there for silence).
      const rows: number[] = [];
      for (let y = lane.waveTop + 1; y < lane.waveBottom - 1; y++) if (y !== lane.centre) rows.push(y);
      const marked = (x: number) => rows.filter((y) => !isBackground(at(x, y))).length;
      // The waveform is dark; the speech band over it is light.
      const inked = (x: number) => rows.filter((y) => at(x, y).reduce((a, b) => a + b) < 450).length;
      const speech = lane.channel === 0 ? input.speech : [];
      const bands = input.call.turns.filter((t) => t.channel === lane.channel).map((t) => [t.speech_start_ms!, t.speech_end_ms!] as const);
      const cols = columns(layout, input, lane);
      const speaking = cols.filter((c) => inside(c.ms, speech));
      const silent = cols.filter((c) => outside(c.ms, speech) && outside(c.ms, bands));
      expect(silent.length).toBeGreaterThan(200);
      expect(silent.filter((c) => marked(c.x) > 0).map((c) => c.ms)).toEqual([]);
      if (lane.channel === 0) {
        expect(speaking.length).toBeGreaterThan(500);
        expect(speaking.filter((c) => inked(c.x) > 2).length).toBeGreaterThan(speaking.length * 0.7);
      }
    }
  });

  it('bands the speech the server reported, and nowhere else; the local VAD strip likewise', async () => {
    const layout = timelineLayoutOf(input);
    const { at } = await decode(await drawTimeline(input));
    for (const lane of layout.lanes) {
      const bands = input.call.turns.filter((t) => t.channel === lane.channel).map((t) => [t.speech_start_ms!, t.speech_end_ms!] as const);
      const cols = columns(layout, input, lane);
      // Above the waveform's reach, inside the band.
      const y = lane.waveTop + 2;
      const inBand = cols.filter((c) => inside(c.ms, bands));
      const outOfBand = cols.filter((c) => outside(c.ms, bands));
      expect(inBand.length).toBeGreaterThan(lane.channel === 0 ? 500 : 30);
      expect(inBand.filter((c) => !near(at(c.x, y), BAND, 6)).map((c) => c.ms)).toEqual([]);
      expect(outOfBand.filter((c) => !isBackground(at(c.x, y))).map((c) => c.ms)).toEqual([]);
      const vad = (input.vadRegions ?? []).filter((r) => r.channel === lane.channel).map((r) => [r.start_ms, r.end_ms] as const);
      const strip = lane.vadTop + 3;
      expect(cols.filter((c) => inside(c.ms, vad) && !near(at(c.x, strip), rgb(TIMELINE_COLOURS.vad), 6))).toEqual([]);
      expect(cols.filter((c) => outside(c.ms, vad) && !isBackground(at(c.x, strip)))).toEqual([]);
    }
  });

  it('escapes the words, so markup in a transcript is text in the picture', () => {
    const svg = timelineOverlaySvg(input.call, timelineLayoutOf(input), []);
    expect(svg).toContain('&lt;b&gt;&amp;&#39;s &quot;x&quot;</text>');
    expect(svg).not.toContain('<b>');
    expect(svg).not.toContain('\u0001');
  });

  it('labels a crowded, compressed timeline without overlapping its labels', () => {
    // Ten minutes, a turn every 8 s: 2 px a turn's latency, labels would pile up.
    const turns = Array.from({ length: 75 }, (_, k): TimelineTurn => {
      const end = k * 8000 + 8000;
      return { ...input.call.turns[0]!, turn_id: k + 1, speech_start_ms: end - 4000, speech_end_ms: end, eager_end_at_ms: end + 200, end_at_ms: end + 600 };
    });
    const crowded = { samples: [], sampleRate: RATE, call: { ...input.call, audio_ms: 600_000, turns } };
    const layout = timelineLayoutOf(crowded);
    const svg = timelineOverlaySvg(crowded.call, layout, []);
    const lane = layout.lanes[0]!;
    for (const row of [lane.turnRow, lane.eagerRow, lane.endRow]) {
      const labels = [...svg.matchAll(new RegExp(`<text x="([\\d.]+)" y="${row}"[^>]*>(.*?)</text>`, 'g'))].map((m) => ({
        x: Number(m[1]),
        text: m[2]!.replace(/<[^>]+>/g, ''),
      }));
      expect(labels.length).toBeGreaterThan(20);
      for (let i = 1; i < labels.length; i++) expect(labels[i]!.x).toBeGreaterThanOrEqual(labels[i - 1]!.x + textWidth(labels[i - 1]!.text, 11));
    }
  });

  it('draws a failed call with no audio and no turns', async () => {
    const failed = sampleFailedCall();
    const input = { samples: [], sampleRate: RATE, call: failed };
    const { info } = await decode(await drawTimeline(input));
    // 35.2 s of audio by the report, though none was given.
    expect([info.width, info.height]).toEqual([80 + 3520 + 24, timelineLayoutOf(input).height]);
    expect(timelineLayoutOf(input).lanes).toHaveLength(1);
  });
});
