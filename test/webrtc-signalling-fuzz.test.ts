import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBRTC_PATH } from '../proto/webrtc.js';
import { CrashWatch } from './support/crash-watch.js';
import { startTestServer, waitFor } from './support/test-server.js';
import { RawWebrtcPeer } from './support/webrtc-raw-peer.js';

const NUM_RUNS = 150;
/** Every status the endpoint may answer; anything else (500 above all) is a defect. */
const STATUSES = new Set([201, 204, 400, 404, 405, 413, 415, 503]);

type Edit = { op: 'drop' | 'dup' | 'garble' | 'truncate' | 'swap'; at: number; text: string };

/** A real offer, edited: what a buggy or hostile client could send libwebrtc's parser. */
function edited(offer: string, edits: Edit[]): string {
  let lines = offer.split('\r\n');
  for (const { op, at, text } of edits) {
    const i = at % lines.length;
    if (op === 'drop') lines.splice(i, 1);
    else if (op === 'dup') lines.splice(i, 0, lines[i]!);
    else if (op === 'garble') lines[i] = `${lines[i]!.slice(0, 2)}${text}`;
    else if (op === 'swap') lines = [...lines.slice(i), ...lines.slice(0, i)];
    else return lines.join('\r\n').slice(0, at % offer.length);
  }
  return lines.join('\r\n');
}

const edit = fc.record({
  op: fc.constantFrom<Edit['op']>('drop', 'dup', 'garble', 'truncate', 'swap'),
  at: fc.nat(),
  text: fc.string({ unit: fc.constantFrom(...'aZ09 :=/+-.*\u0000\u00ff\r'), maxLength: 30 }),
});

/** `usual` six times in seven, else one of `rare`: most requests must reach libwebrtc's parser. */
function mostly<T>(usual: T, ...rare: T[]): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: fc.constant(usual), weight: 6 }, { arbitrary: fc.constantFrom(...rare), weight: 1 });
}

const request = fc.record({
  method: mostly('POST', 'DELETE', 'OPTIONS', 'GET', 'PUT', 'PATCH'),
  path: mostly(WEBRTC_PATH, `${WEBRTC_PATH}/`, `${WEBRTC_PATH}/00000000-0000-4000-8000-000000000000`, `${WEBRTC_PATH}/%zz`, `${WEBRTC_PATH}/a/b`),
  query: mostly('', 'end_ms=500', 'labels=%7B', 'sample_rate=48000', 'sample_rate=1e400', 'channels=2', '%zz=1', 'token=x'),
  contentType: mostly('application/sdp', 'application/SDP; charset=utf-8', 'text/plain', ''),
  edits: fc.array(edit, { maxLength: 4 }),
});

describe('WebRTC signalling under generated requests', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let watch: CrashWatch;
  let offer: string;

  beforeAll(async () => {
    server = await startTestServer({ webrtcMaxSdpBytes: 4096 });
    watch = new CrashWatch();
    const peer = new RawWebrtcPeer();
    offer = await peer.offer();
    peer.close();
  });
  afterAll(async () => {
    watch?.close();
    await server?.close();
  });

  it('answers every request with a known status and a JSON refusal, never throws, and holds no peer afterwards', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, query, contentType, edits }) => {
        const before = watch.crashes.length;
        const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
        const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? edited(offer, edits) : undefined;
        const res = await fetch(`http://127.0.0.1:${server.port}${path}${query ? `?${query}` : ''}`, { method, headers, body });
        const text = await res.text();
        expect(watch.since(before)).toEqual([]);
        expect(STATUSES.has(res.status), `status ${res.status}: ${text}`).toBe(true);
        if (res.status >= 400 && res.status !== 405) expect(JSON.parse(text)).toEqual({ code: expect.any(String), message: expect.any(String) });
        // No client will ever connect: the session it made is deleted at once.
        if (res.status === 201) expect((await fetch(`http://127.0.0.1:${server.port}${res.headers.get('location')}`, { method: 'DELETE' })).status).toBe(204);
      }),
      { numRuns: NUM_RUNS },
    );
    await waitFor(() => server.webrtcPeers() === 0);
  });
});
