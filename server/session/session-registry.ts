import { ParleyError } from '../../proto/errors.js';

export interface SessionRegistryLimits {
  maxSessions: number;
  maxSessionsPerKey: number;
  maxSessionsPerAddress: number;
  maxPendingConnections: number;
  /** Retry hint on refusals. */
  retryAfterMs: number;
}

/** Who holds a session: the credential's identity (absent when auth is off) and the client address. */
export interface SessionOwner {
  keyId: string | undefined;
  address: string;
}

/**
 * Counts what clients hold: connections that have not started a session yet (capped on their
 * own, so idle sockets never take a session slot) and sessions, in total, per API key and per
 * client address. Every `take` returns a release function that is safe to call twice.
 */
export class SessionRegistry {
  private sessions = 0;
  private pending = 0;
  private readonly perKey = new Map<string, number>();
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly limits: SessionRegistryLimits) {}

  get activeSessions(): number {
    return this.sessions;
  }

  get pendingConnections(): number {
    return this.pending;
  }

  /** A connection that has not started its session yet; refused past `maxPendingConnections`. */
  takePending(): () => void {
    if (this.pending >= this.limits.maxPendingConnections) {
      throw new ParleyError(
        'capacity_exceeded',
        `the server holds its limit of ${this.limits.maxPendingConnections} connections that have not started a session; try again later`,
        true,
        this.limits.retryAfterMs,
      );
    }
    this.pending++;
    return once(() => this.pending--);
  }

  /** A session slot for `owner`, or `capacity_exceeded` / `limit_exceeded`. */
  takeSession(owner: SessionOwner): () => void {
    const { maxSessions, maxSessionsPerKey, maxSessionsPerAddress, retryAfterMs } = this.limits;
    if (this.sessions >= maxSessions) {
      throw new ParleyError('capacity_exceeded', `the server is at its limit of ${maxSessions} sessions; try again later`, true, retryAfterMs);
    }
    if (owner.keyId !== undefined && (this.perKey.get(owner.keyId) ?? 0) >= maxSessionsPerKey) {
      throw new ParleyError('limit_exceeded', `this API key already holds its limit of ${maxSessionsPerKey} sessions`, true, retryAfterMs);
    }
    if ((this.perAddress.get(owner.address) ?? 0) >= maxSessionsPerAddress) {
      throw new ParleyError('limit_exceeded', `this client address already holds its limit of ${maxSessionsPerAddress} sessions`, true, retryAfterMs);
    }
    this.sessions++;
    if (owner.keyId !== undefined) bump(this.perKey, owner.keyId, 1);
    bump(this.perAddress, owner.address, 1);
    return once(() => {
      this.sessions--;
      if (owner.keyId !== undefined) bump(this.perKey, owner.keyId, -1);
      bump(this.perAddress, owner.address, -1);
    });
  }
}

/** Counts per name; a name that drops to zero is forgotten, so the maps stay as small as the clients. */
function bump(counts: Map<string, number>, name: string, by: number): void {
  const next = (counts.get(name) ?? 0) + by;
  if (next > 0) counts.set(name, next);
  else counts.delete(name);
}

function once(release: () => void): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    release();
  };
}
