import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSamples } from '../../audio/pcm-decoder.js';
import { readWav } from '../../audio/wav.js';

export const LIBRIVOX_DIR = '/usr/share/pocketsphinx/test/data/librivox';
export const TESTDATA_DIR = '/usr/share/pocketsphinx/test/data';

export interface Utterance {
  id: string;
  transcript: string;
  /** 16 kHz mono. */
  samples: Float32Array;
}

/** The five LibriVox utterances of pocketsphinx-testdata with their reference transcripts. */
export function loadLibriVox(): Utterance[] {
  const lines = readFileSync(join(LIBRIVOX_DIR, 'transcription'), 'utf8').split('\n');
  return lines
    .map((line) => /^<s>\s*(.*?)\s*<\/s>\s*\((.+)\)\s*$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([, transcript, id]) => {
      const wav = readWav(readFileSync(join(LIBRIVOX_DIR, `${id}.wav`)));
      if (wav.sampleRate !== 16000 || wav.channels !== 1) throw new Error(`${id}: expected 16 kHz mono`);
      return { id: id!, transcript: transcript!, samples: decodeSamples(wav.data, wav.encoding, 1) };
    });
}
