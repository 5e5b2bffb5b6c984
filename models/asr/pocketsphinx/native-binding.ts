import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { ParleyError } from '../../../proto/errors.js';
import { projectRoot } from '../../../proto/project-root.js';

/** One recognized word as the decoder segments it; frames are inclusive, counted from `startUtt()`. */
export interface NativeWordSegment {
  word: string;
  startFrame: number;
  endFrame: number;
}

/** Filler and silence tokens are already removed; `word(2)` variants are reduced to `word`. */
export interface NativeHypothesis {
  /** `words` joined by single spaces. */
  text: string;
  /** Frames decoded so far in this utterance. */
  frames: number;
  words: NativeWordSegment[];
}

export interface NativeDecoderOptions {
  hmm: string;
  lm: string;
  dict: string;
  /** Extra PocketSphinx arguments as name/value pairs, e.g. `['-bestpath', 'no']`; `-logfn` is refused. */
  args?: readonly string[];
  /**
   * Nice value (integer 0 to 19) the threadpool threads that create this decoder and run its
   * decodes lower themselves to; never raised. Threadpool threads are reused, so a thread
   * stays at the lowest priority any decoder asked for. Default 0: left as it is.
   */
  niceness?: number;
}

/**
 * One `ps_decoder_t`. At most one call at a time: a call made while `processAsync` or
 * `endUttAsync` is in flight throws (sync methods) or rejects (async ones).
 */
export interface NativeDecoder {
  /** Frames per second (`-frate`). */
  readonly frameRate: number;
  /** Input sample rate in Hz (`-samprate`). */
  readonly sampleRate: number;
  readonly inUtterance: boolean;
  readonly busy: boolean;
  readonly released: boolean;
  /** Word frames of the new utterance count from here. */
  startUtt(): void;
  /** Copies `samples` and decodes them on the threadpool; resolves with the first-pass hypothesis so far. */
  processAsync(samples: Int16Array): Promise<NativeHypothesis>;
  /** Ends the utterance (fwdflat and bestpath passes when enabled) on the threadpool. */
  endUttAsync(): Promise<NativeHypothesis>;
  /** Restores the cross-utterance adaptation (live CMN) to its freshly loaded state. */
  reset(): void;
  /** Frees the decoder now, or when the call in flight completes. Idempotent. */
  release(): void;
}

export interface NativeBinding {
  Decoder: {
    /** Loads the models on the threadpool. */
    createAsync(options: NativeDecoderOptions): Promise<NativeDecoder>;
  };
  /** Decoders created and not yet freed, process-wide. */
  liveDecoderCount(): number;
}

const ADDON_PATH = 'models/asr/pocketsphinx/native/build/Release/parley_pocketsphinx.node';

/** Where `npm run build:native` puts the addon; the same from source and from dist/. */
export function nativeAddonPath(): string {
  return join(projectRoot(), ADDON_PATH);
}

let binding: NativeBinding | undefined;

/** Loads the addon once. */
export function loadNativeBinding(): NativeBinding {
  if (binding) return binding;
  const path = nativeAddonPath();
  if (!existsSync(path)) {
    throw new ParleyError('engine_failure', `PocketSphinx addon missing at ${path}: run "npm run build:native"`);
  }
  binding = createRequire(import.meta.url)(path) as NativeBinding;
  return binding;
}
