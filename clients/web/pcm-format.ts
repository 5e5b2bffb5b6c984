/** What the WebSocket path sends: mono PCM16 at the rate the recognizer runs at, so the server need not resample. */
export const PCM_SAMPLE_RATE = 16000;
/** 20 ms per binary message: the low end of design.md's 20 to 100 ms, for the least added delay. */
export const PCM_FRAME_SAMPLES = PCM_SAMPLE_RATE / 50;
/** The AudioWorklet processor's registered name. */
export const PCM_WORKLET_NAME = 'parley-pcm';
