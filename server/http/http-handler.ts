import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestTarget } from './request-target.js';

/** One HTTP endpoint (or family of paths) of the server. */
export interface HttpHandler {
  /** Whether this handler answers `path`. */
  matches(path: string): boolean;
  /** Answers the request; a throw or rejection becomes a 500 with a logged detail. */
  handle(req: IncomingMessage, res: ServerResponse, target: RequestTarget): Promise<void> | void;
}
