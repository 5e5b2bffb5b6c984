import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSamples } from '../../audio/pcm-decoder.js';
import { readWav } from '../../audio/wav.js';
import { projectRoot } from '../../proto/project-root.js';
import { loadLibriVox } from '../../test/support/librivox.js';
import { buildBenchCall } from '../turn-latency/bench-calls.js';
import { energyRegions } from './energy-regions.js';
import { floorTurns, type SpeakerSpan } from './floor-turns.js';
import { parseRttm } from './rttm.js';
import type { Span } from './spans.js';
import { pauseInsideTurn, trueTurns, type ChannelTruth } from './turn-truth.js';

/** `../shared/corpus` beside the clone, as in CI. */
export const CORPUS_DIR = join(projectRoot(), '../shared/corpus');

/** Silence before every call, so a call that opens with speech still has a speech start. */
const LEAD_MS = 500;
/** Silence after every call: longer than any `end_ms` or `max_end_ms`, so the last turn ends by the detector, not by `stop`. */
const TAIL_MS = 3000;
/** An RTTM segment ending this close to the end of its excerpt runs into the cut. */
const CUT_SLACK_MS = 20;

/**
 * Monologues whose recording goes on past the speaker's last word, as read off the frame
 * energies: talk-60s is cut 100 ms into the onset of a next word, and jfk ends in 0.5 s of
 * applause louder than the energy floor. The call keeps the audio up to here (ms).
 */
const MONOLOGUE_CUTS: Readonly<Record<string, number>> = { 'talk-60s': 59_900, jfk: 10_500 };

/**
 * LibriVox calls: gaps of 1.5 s and more between utterances, so each utterance is a turn at
 * every detector setting measured (bench-calls.ts trims each to its speech by energy).
 */
const LIBRIVOX_CALLS = [
  { order: [0, 1, 2, 3, 4], gapsMs: [1500, 2000, 1700, 2500, 1800, 1500] },
  { order: [3, 0, 4, 2, 1], gapsMs: [1600, 1500, 2200, 1900, 1500, 1700] },
];

export type CallGroup = 'monologue' | 'two-party' | 'meeting' | 'librivox';

export interface CorpusCall {
  id: string;
  group: CallGroup;
  sampleRate: number;
  /** One array per channel, all the same length; streamed interleaved. */
  channels: Float32Array[];
  /** Per channel, in channel order. */
  truth: ChannelTruth[];
  /** Per channel: pauses of the audio's energy regions (200 ms and longer) inside true turns. */
  insidePauses: number[];
}

/** Every call of the turn-taking benchmark, ground truth included. */
export function benchmarkCalls(corpusDir = CORPUS_DIR): CorpusCall[] {
  return [...monologueCalls(corpusDir), twoPartyCall(corpusDir), ...meetingCalls(corpusDir), ...librivoxCalls()];
}

/**
 * Each file is one turn, from its first to its last speech; every pause inside is within it.
 * The audio after `MONOLOGUE_CUTS` is left out of the call.
 */
function monologueCalls(corpusDir: string): CorpusCall[] {
  const dir = join(corpusDir, 'monologues');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.wav'))
    .sort()
    .map((file) => {
      const wav = readMono(join(dir, file));
      const sampleRate = wav.sampleRate;
      const cutMs = MONOLOGUE_CUTS[file.replace(/\.wav$/, '')];
      const samples = cutMs === undefined ? wav.samples : wav.samples.subarray(0, Math.round((cutMs * sampleRate) / 1000));
      const speech = energyRegions(samples, sampleRate);
      if (speech.length === 0) throw new Error(`${file}: no speech found`);
      const turn = { startMs: speech[0]!.startMs, endMs: speech.at(-1)!.endMs };
      return assemble(`monologue/${file.replace(/\.wav$/, '')}`, 'monologue', sampleRate, [{ samples, turns: [turn], speech }]);
    });
}

/**
 * One contact-center call, a clean file per party: channel 0 the agent, 1 the caller. A
 * party's turn ends where the other takes the floor (floor-turns.ts), from each file's
 * energy regions.
 */
function twoPartyCall(corpusDir: string): CorpusCall {
  const parties = ['agent', 'caller'].map((speaker) => {
    const { samples, sampleRate } = readMono(join(corpusDir, `conversations/auto-repairs-40.${speaker}.wav`));
    return { speaker, samples, sampleRate, speech: energyRegions(samples, sampleRate) };
  });
  const [agent, caller] = parties as [(typeof parties)[0], (typeof parties)[0]];
  if (agent.sampleRate !== caller.sampleRate || agent.samples.length !== caller.samples.length) {
    throw new Error('auto-repairs-40: the two parties differ in rate or length');
  }
  const turns = floorTurns(parties.flatMap((p) => p.speech.map((s) => ({ ...s, speaker: p.speaker }))));
  const channels = parties.map((p) => ({ samples: p.samples, turns: turns.filter((t) => t.speaker === p.speaker), speech: p.speech }));
  return assemble('two-party/auto-repairs-40', 'two-party', agent.sampleRate, channels);
}

/**
 * Meeting excerpts, every speaker mixed in one channel; turns by floor from the RTTM. The
 * channel's speech is every speaker's, so an end with another voice within `MIN_END_GAP_MS`
 * is not one to find; nor is the end of a turn the excerpt cuts (the meeting goes on).
 */
function meetingCalls(corpusDir: string): CorpusCall[] {
  const dir = join(corpusDir, 'conversations/meetings');
  const rttm = parseRttm(readFileSync(join(dir, 'meetings.rttm'), 'utf8'));
  return [...rttm.keys()].sort().map((file) => {
    const { samples, sampleRate } = readMono(join(dir, `${file}.wav`));
    const segments: SpeakerSpan[] = rttm.get(file)!;
    const cutMs = Math.floor((samples.length * 1000) / sampleRate);
    const cutMidSpeech = segments.some((s) => s.endMs >= cutMs - CUT_SLACK_MS);
    const speech = cutMidSpeech ? [...segments, { startMs: cutMs, endMs: Infinity }] : segments;
    return assemble(`meeting/${file}`, 'meeting', sampleRate, [{ samples, turns: floorTurns(segments), speech }]);
  });
}

/** The turn-latency bench's calls: each utterance a turn, with known gaps. */
function librivoxCalls(): CorpusCall[] {
  const utterances = loadLibriVox();
  return LIBRIVOX_CALLS.map(({ order, gapsMs }, i) => {
    const call = buildBenchCall(utterances, order, gapsMs);
    return assemble(`librivox/${i + 1}`, 'librivox', 16000, [{ samples: call.samples, turns: call.turns, speech: call.turns }]);
  });
}

interface ChannelParts {
  samples: Float32Array;
  turns: readonly Span[];
  /** All speech the channel's audio carries, for where speech comes back after a turn. */
  speech: readonly Span[];
}

/** Pads every channel with the lead and tail silence and moves its truth with it. */
function assemble(id: string, group: CallGroup, sampleRate: number, parts: ChannelParts[]): CorpusCall {
  const lead = Math.round((LEAD_MS * sampleRate) / 1000);
  const tail = Math.round((TAIL_MS * sampleRate) / 1000);
  const shift = (spans: readonly Span[]) => spans.map((s) => ({ startMs: s.startMs + LEAD_MS, endMs: s.endMs + LEAD_MS }));
  const channels = parts.map((p) => {
    const out = new Float32Array(lead + p.samples.length + tail);
    out.set(p.samples, lead);
    return out;
  });
  const truth = parts.map((p, channel) => ({ channel, turns: trueTurns(shift(p.turns), shift(p.speech)) }));
  // From the recording itself: the padding's digital silence would lower the noise floor.
  const insidePauses = parts.map((p, c) => {
    const regions = shift(energyRegions(p.samples, sampleRate));
    return regions.slice(1).filter((_, k) => pauseInsideTurn(truth[c]!, regions[k]!.endMs) === true).length;
  });
  return { id, group, sampleRate, channels, truth, insidePauses };
}

function readMono(path: string): { samples: Float32Array; sampleRate: number } {
  const wav = readWav(readFileSync(path));
  if (wav.channels !== 1) throw new Error(`${path}: expected one channel, got ${wav.channels}`);
  return { samples: decodeSamples(wav.data, wav.encoding, 1), sampleRate: wav.sampleRate };
}
