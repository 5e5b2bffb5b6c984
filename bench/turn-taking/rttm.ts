import type { SpeakerSpan } from './floor-turns.js';

/**
 * Who speaks when, per recording, from RTTM text: `SPEAKER <file> <channel> <start s>
 * <duration s> <NA> <NA> <speaker> <NA> <NA>` lines; other line types are skipped.
 */
export function parseRttm(text: string): Map<string, SpeakerSpan[]> {
  const byFile = new Map<string, SpeakerSpan[]>();
  text.split('\n').forEach((line, i) => {
    const f = line.trim().split(/\s+/);
    if (f[0] !== 'SPEAKER') return;
    const [file, start, duration, speaker] = [f[1], Number(f[3]), Number(f[4]), f[7]];
    if (!file || !speaker || !Number.isFinite(start) || !(duration >= 0)) throw new Error(`RTTM line ${i + 1} is malformed: "${line}"`);
    const startMs = Math.round(start * 1000);
    const spans = byFile.get(file) ?? [];
    spans.push({ speaker, startMs, endMs: startMs + Math.round(duration * 1000) });
    byFile.set(file, spans);
  });
  return byFile;
}
