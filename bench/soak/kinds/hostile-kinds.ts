import { badFrames } from './bad-frames.js';
import { endlessTurn } from './endless-turn.js';
import { flood } from './flood.js';
import { idler } from './idler.js';
import { malformedHttp } from './malformed-http.js';
import { slowReader } from './slow-reader.js';
import { vanisher } from './vanisher.js';
import type { Visit, VisitOutcome } from './visit.js';

/** A kind of careless or hostile client; at most `maxInFlight` of its visits run at once. */
export interface HostileKind {
  name: string;
  maxInFlight: number;
  run(visit: Visit): Promise<VisitOutcome>;
}

/**
 * Caps keep the hostile load beside the normal calls, not instead of them: idlers, slow readers
 * and endless turns each hold a server slot for up to minutes.
 */
export const HOSTILE_KINDS: readonly HostileKind[] = [
  { name: 'vanisher', maxInFlight: 4, run: vanisher },
  { name: 'idler', maxInFlight: 2, run: idler },
  { name: 'slow-reader', maxInFlight: 1, run: slowReader },
  { name: 'flood', maxInFlight: 1, run: flood },
  { name: 'endless-turn', maxInFlight: 1, run: endlessTurn },
  { name: 'bad-frames', maxInFlight: 3, run: badFrames },
  { name: 'malformed-http', maxInFlight: 3, run: malformedHttp },
];
