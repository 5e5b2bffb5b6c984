import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { interleave } from '../../audio/deinterleave.js';
import { decodeSamples, encodeSamples } from '../../audio/pcm-decoder.js';
import { readWav } from '../../audio/wav.js';
import { projectRoot } from '../../proto/project-root.js';
import type { AudioEncoding } from '../../proto/session-config.js';
import { concatAudio, resampleTo16k, silence } from './audio-fixtures.js';

const RATE = 8000;
/** `../shared/corpus` beside the clone, as in CI (the same from source and from dist/). */
const ASTERISK_DIR = join(projectRoot(), '../shared/corpus/asterisk-en/');

export interface TelephonePrompt {
  transcript: string;
  /** 8 kHz mono. */
  samples: Float32Array;
}

/** Whether the shared corpus is beside this clone (it is in CI). */
export const TELEPHONE_CORPUS_PRESENT = existsSync(ASTERISK_DIR);

/** The corpus's prompt files in manifest order. */
export function telephoneManifestFiles(): string[] {
  if (!TELEPHONE_CORPUS_PRESENT) throw new Error(`the telephone corpus is missing at ${ASTERISK_DIR}`);
  return readFileSync(`${ASTERISK_DIR}manifest.tsv`, 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => line.split('\t')[0]!);
}

/**
 * Real 8 kHz telephone speech: Asterisk prompts (recorded at 8 kHz) from the shared corpus,
 * picked as ones the wideband en-US model recognizes at all.
 */
export function loadTelephonePrompts(files: readonly string[]): TelephonePrompt[] {
  if (!TELEPHONE_CORPUS_PRESENT) throw new Error(`the telephone corpus is missing at ${ASTERISK_DIR}`);
  const manifest = new Map(
    readFileSync(`${ASTERISK_DIR}manifest.tsv`, 'utf8')
      .split('\n')
      .map((line) => line.split('\t') as [string, string]),
  );
  return files.map((file) => {
    const wav = readWav(readFileSync(`${ASTERISK_DIR}${file}`));
    if (wav.sampleRate !== RATE || wav.channels !== 1) throw new Error(`${file}: expected 8 kHz mono`);
    return { transcript: manifest.get(file)!, samples: decodeSamples(wav.data, wav.encoding, 1) };
  });
}

export interface TelephoneTurn {
  channel: number;
  transcript: string;
  /** What the server hears of this utterance after the codec, upsampled to 16 kHz: the raw engine's input. */
  heard16k: Float32Array;
}

export interface TelephoneCall {
  encoding: AudioEncoding;
  sampleRate: number;
  channels: 1 | 2;
  /** Interleaved, encoded. */
  data: Uint8Array;
  /** Per channel, its turns in order. */
  turns: TelephoneTurn[][];
}

/**
 * A call where the parties take turns: prompt i is spoken on channel `i % channels`, each
 * after `gapMs` of silence on both channels, so every turn boundary is known.
 */
export function buildTelephoneCall(prompts: TelephonePrompt[], encoding: AudioEncoding, channels: 1 | 2, gapMs: number): TelephoneCall {
  const tracks: Float32Array[][] = Array.from({ length: channels }, () => []);
  const turns: TelephoneTurn[][] = Array.from({ length: channels }, () => []);
  prompts.forEach((prompt, i) => {
    const speaker = i % channels;
    const quiet = new Float32Array(prompt.samples.length);
    tracks.forEach((track, c) => track.push(silence(gapMs, RATE), c === speaker ? prompt.samples : quiet));
    const heard = decodeSamples(encodeSamples(prompt.samples, encoding), encoding, 1);
    turns[speaker]!.push({ channel: speaker, transcript: prompt.transcript, heard16k: resampleTo16k(heard, RATE) });
  });
  const signals = tracks.map((track) => concatAudio(...track, silence(gapMs, RATE)));
  return { encoding, sampleRate: RATE, channels, data: encodeSamples(interleave(signals), encoding), turns };
}
