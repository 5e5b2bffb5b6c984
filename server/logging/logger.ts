import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './log-level.js';

export type { Logger } from 'pino';

/**
 * The server's structured JSON log (design.md section 10): one line per event, on stdout
 * unless a destination is given (tests pass their own to read the lines).
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'parley' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
