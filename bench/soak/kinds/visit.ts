import type { SessionLimits } from '../../../proto/session-config.js';
import { RawPeer } from '../../../test/support/raw-ws.js';
import type { SoakSpeech } from '../soak-speech.js';

/** The server under soak, as every client sees it. */
export interface SoakTarget {
  wsUrl: string;
  httpPort: number;
  grpcAddress: string;
  /** What the server announced in the warm-up's `session.started`. */
  limits: SessionLimits;
  speech: SoakSpeech;
}

/** One hostile client's visit. */
export interface Visit extends SoakTarget {
  /** Aborts when the soak stops its load: the visit then drops its connections and returns. */
  signal: AbortSignal;
  /** performance.now() at which the load stops: long visits size themselves to end before it. */
  loadEndsAt: number;
}

/** What one visit saw; the Tally adds them up per kind. */
export interface VisitOutcome {
  /** `error` event codes. */
  errors: string[];
  /** How each connection ended: `ws 1000`, `grpc OK`, `http 400`, `dropped` (the client did it), ... */
  ends: string[];
  served?: number;
  turnEnds?: number;
  expectedTurns?: number;
}

/** Resolves after `ms`, or at once when `signal` aborts; never rejects. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done);
  });
}

/** A RawPeer once its handshake is done; throws when it fails (the server refused the upgrade or is gone). */
export async function openPeer(url: string): Promise<RawPeer> {
  const peer = new RawPeer(url);
  await peer.opened;
  return peer;
}

/**
 * How `peer`'s connection ended: `ws <close code>` when it closed within `ms`; else
 * `open after <s> s`, or `aborted` when the soak stopped first. An open connection is then dropped.
 */
export async function peerEnd(peer: RawPeer, ms: number, signal: AbortSignal): Promise<string> {
  const code = await Promise.race([peer.closed, pause(ms, signal).then(() => null)]);
  if (code !== null) return `ws ${code}`;
  peer.ws.terminate();
  return signal.aborted ? 'aborted' : `open after ${Math.round(ms / 1000)} s`;
}

export function errorCodes(peer: RawPeer): string[] {
  return peer.errors().map((e) => e.code);
}

export function turnEndCount(peer: RawPeer): number {
  return peer.events.filter((e) => e.type === 'turn.end').length;
}
