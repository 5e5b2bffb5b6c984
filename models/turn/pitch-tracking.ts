import { PROSODY_PITCH_OPTIONS } from '../../audio/prosody-features.js';
import { type PitchFrame, trackPitch } from '../../audio/pitch-tracker.js';

/**
 * Tracks the pitch of a pause's window (`ProsodyTracker.pitchWindow`), the costly part of its
 * prosody, with `PROSODY_PITCH_OPTIONS`. The server's runs on a worker thread; never rejects
 * for want of one.
 */
export interface PitchTracking {
  track(samples: Float32Array): Promise<readonly PitchFrame[]>;
}

/** On the caller's thread: for tools, tests, and while no worker serves. */
export const INLINE_PITCH_TRACKING: PitchTracking = {
  track: async (samples) => trackPitch(samples, PROSODY_PITCH_OPTIONS),
};
