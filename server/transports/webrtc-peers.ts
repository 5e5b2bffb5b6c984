import { randomUUID } from 'node:crypto';
import { ParleyError } from '../../proto/errors.js';
import type { WebrtcPeer } from './webrtc-peer.js';

/**
 * The live peer connections by resource id, capped: each holds native threads and sockets
 * from its POST on, before any session exists, so they are counted apart from sessions.
 */
export class WebrtcPeers {
  private readonly peers = new Map<string, WebrtcPeer>();

  constructor(
    private readonly maxPeers: number,
    private readonly retryAfterMs: number,
  ) {}

  get size(): number {
    return this.peers.size;
  }

  /**
   * Creates a peer under a fresh resource id, or throws `capacity_exceeded` (503 with
   * `Retry-After`) at the cap. The id is the capability to delete the session, so it comes
   * from a cryptographically secure source (RFC 9725).
   */
  open(create: (id: string) => WebrtcPeer): WebrtcPeer {
    if (this.peers.size >= this.maxPeers) {
      throw new ParleyError('capacity_exceeded', `the server holds its limit of ${this.maxPeers} WebRTC peers; try again later`, true, this.retryAfterMs);
    }
    const peer = create(randomUUID());
    this.peers.set(peer.id, peer);
    void peer.released.then(() => this.peers.delete(peer.id));
    return peer;
  }

  get(id: string): WebrtcPeer | undefined {
    return this.peers.get(id);
  }

  /** Cuts off every peer and resolves once all are released. */
  async close(): Promise<void> {
    await Promise.all([...this.peers.values()].map((peer) => peer.close()));
  }
}
