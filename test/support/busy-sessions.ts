import { expect } from 'vitest';
import { RawPeer } from './raw-ws.js';

export interface BusySessions {
  peers: RawPeer[];
  /** Stops the audio and waits for the feeding loop to end. */
  stop(): Promise<void>;
}

/**
 * `count` WebSocket sessions sent `pcm` (16 kHz PCM16) on a loop in 100 ms pieces every 20 ms,
 * so that an engine has their work queued or in flight whenever a test makes it fail.
 */
export async function busySessions(url: string, pcm: Uint8Array, count = 2): Promise<BusySessions> {
  const peers = Array.from({ length: count }, () => new RawPeer(url));
  for (const peer of peers) {
    await peer.opened;
    peer.send({ type: 'start' });
    await peer.next('session.started');
  }
  let feeding = true;
  const feed = (async () => {
    for (let at = 0; feeding; at = (at + 3200) % (pcm.length - 3200)) {
      for (const peer of peers) if (peer.ws.readyState === peer.ws.OPEN) peer.send(pcm.subarray(at, at + 3200));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    peers,
    stop: async () => {
      feeding = false;
      await feed;
    },
  };
}

/** The session ended as an engine failure ends it: fatal `engine_failure`, no library text, `session.ended` `error`, close 1011. */
export async function expectEndedByEngineFailure(peer: RawPeer): Promise<void> {
  expect(await peer.closed).toBe(1011);
  const error = peer.errors().find((e) => e.fatal)!;
  expect(error).toMatchObject({ code: 'engine_failure', fatal: true });
  // Library and runtime text stays in the log.
  expect(error.message).not.toMatch(/worker|exit|code 1|Error:/i);
  expect(peer.events.at(-1)).toMatchObject({ type: 'session.ended', reason: 'error' });
}
