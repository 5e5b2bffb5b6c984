import fc from 'fast-check';
import { encodeFuzzRequest, fuzzRequest } from '../../../test/support/http-request-arbitrary.js';
import { KNOWN_BAD_REQUESTS } from '../../../test/support/known-bad-requests.js';
import { isWellFormedAnswer, rawHttpExchange } from '../../../test/support/raw-http.js';
import type { Visit, VisitOutcome } from './visit.js';

const ANSWER_WAIT_MS = 5000;
/** Share of visits that send a request known to have crashed the server; the rest are generated. */
const KNOWN_BAD_SHARE = 0.1;

/** One raw request over TCP, from plausible to malformed (test/http-fuzz.test.ts's generator). */
export async function malformedHttp(visit: Visit): Promise<VisitOutcome> {
  const request =
    Math.random() < KNOWN_BAD_SHARE
      ? KNOWN_BAD_REQUESTS[Math.floor(Math.random() * KNOWN_BAD_REQUESTS.length)]!.request
      : encodeFuzzRequest(fc.sample(fuzzRequest(), 1)[0]!);
  const answer = await rawHttpExchange(visit.httpPort, request, ANSWER_WAIT_MS);
  const end = answer.status !== null ? `http ${answer.status}` : answer.ending === 'closed' ? 'closed without an answer' : answer.ending;
  return { errors: isWellFormedAnswer(answer.received) ? [] : ['malformed answer'], ends: [end] };
}
