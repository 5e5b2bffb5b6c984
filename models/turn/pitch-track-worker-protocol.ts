import type { PitchFrame } from '../../audio/pitch-tracker.js';

/** Messages between the server and the pitch-tracking worker thread. */
export type PitchTrackRequest = { type: 'track'; id: number; samples: Float32Array } | { type: 'close' };

export type PitchTrackReply =
  | { type: 'ready' }
  | { type: 'result'; id: number; frames: PitchFrame[] }
  | { type: 'error'; id: number; message: string };
