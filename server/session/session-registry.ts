import { ParleyError } from '../../proto/errors.js';

/** Counts admitted sessions against `maxSessions`; a slot is held from admission to release. */
export class SessionRegistry {
  private active = 0;

  constructor(private readonly maxSessions: number) {}

  get activeSessions(): number {
    return this.active;
  }

  /** Takes a slot or throws `capacity_exceeded`; call the returned function once to give it back. */
  admit(): () => void {
    if (this.active >= this.maxSessions) {
      throw new ParleyError('capacity_exceeded', `the server is at its limit of ${this.maxSessions} sessions`, true);
    }
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
    };
  }
}
