import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WEBRTC_PATH } from '../proto/webrtc.js';
import { startTestServer, waitFor } from './support/test-server.js';
import { RawWebrtcPeer } from './support/webrtc-raw-peer.js';

const KEY = 'webrtc-key';
const AUTH = { authorization: `Bearer ${KEY}` };

describe('WebRTC signalling: POST /v1/webrtc refusals and resources', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const peers: RawWebrtcPeer[] = [];
  const peer = (options?: ConstructorParameters<typeof RawWebrtcPeer>[0]) => {
    const made = new RawWebrtcPeer(options);
    peers.push(made);
    return made;
  };

  beforeAll(async () => {
    server = await startTestServer({ apiKeys: [KEY], webrtcMaxPeers: 1, retryAfterMs: 3000, webrtcMaxSdpBytes: 8192 });
  });
  afterEach(async () => {
    for (const p of peers.splice(0)) {
      // Their answers were never applied: only a DELETE frees the server's side before the connect timeout.
      if (p.location) await p.remove(server.port);
      p.close();
    }
    // Each test starts with no peer held: the cap is 1.
    await waitFor(() => server.webrtcPeers() === 0);
  });
  afterAll(() => server?.close());

  /** A refusal: its status and JSON `{code, message}` body. */
  async function refusal(res: Response): Promise<{ status: number; code: string; message: string }> {
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as { code: string; message: string };
    expect(body.message).toEqual(expect.any(String));
    return { status: res.status, code: body.code, message: body.message };
  }

  it('answers an offer with 201, an SDP answer with its candidates, and an unguessable Location', async () => {
    const client = peer();
    const res = await client.post(server.port, { headers: AUTH });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/sdp');
    const answer = await res.text();
    expect(answer).toMatch(/^v=0\r\n/);
    expect(answer).toMatch(/a=candidate:.* typ host/);
    expect(answer).toMatch(/m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel/);
    expect(answer).toMatch(/a=(recvonly|inactive)/);
    expect(client.location).toMatch(new RegExp(`^${WEBRTC_PATH}/[0-9a-f-]{36}$`));
    expect(server.webrtcPeers()).toBe(1);
  });

  it('refuses a missing or wrong key with 401 unauthorized', async () => {
    expect(await refusal(await peer().post(server.port))).toMatchObject({ status: 401, code: 'unauthorized' });
    const wrong = await peer().post(server.port, { headers: { authorization: 'Bearer nope' } });
    expect(await refusal(wrong)).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(server.webrtcPeers()).toBe(0);
  });

  it('refuses a body that is not application/sdp with 415', async () => {
    const res = await peer().post(server.port, { headers: { ...AUTH, 'content-type': 'text/plain' } });
    expect(await refusal(res)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  it.each([
    ['garbage', 'this is not SDP'],
    ['SDP that libwebrtc cannot parse', 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n'],
  ])('refuses %s with 400 bad_request', async (_name, body) => {
    expect(await refusal(await peer().post(server.port, { headers: AUTH, body }))).toMatchObject({ status: 400, code: 'bad_request' });
    expect(server.webrtcPeers()).toBe(0);
  });

  it('refuses offers without a data channel or with two audio tracks with 400, saying why', async () => {
    const noChannel = await refusal(await peer({ channel: null }).post(server.port, { headers: AUTH }));
    expect(noChannel).toMatchObject({ status: 400, code: 'bad_request', message: expect.stringMatching(/data channel/) });
    const twoTracks = await refusal(await peer({ audioTracks: 2 }).post(server.port, { headers: AUTH }));
    expect(twoTracks).toMatchObject({ status: 400, code: 'bad_request', message: expect.stringMatching(/one audio track/) });
  });

  it.each([
    ['an unknown key', 'sample_rat=8000'],
    ['a value out of range', 'end_ms=99999'],
    ['keys that contradict each other', 'eager_end_ms=900&end_ms=500'],
    ['an audio format other than the track', 'sample_rate=16000'],
  ])('refuses a query with %s with 400 bad_config', async (_name, query) => {
    expect(await refusal(await peer().post(server.port, { headers: AUTH, query }))).toMatchObject({ status: 400, code: 'bad_config' });
  });

  it('accepts a query that repeats the track audio format', async () => {
    const res = await peer().post(server.port, { headers: AUTH, query: 'encoding=pcm_s16le&sample_rate=48000&channels=1&end_ms=900' });
    expect(res.status).toBe(201);
  });

  it('refuses an offer over PARLEY_WEBRTC_MAX_SDP_BYTES with 413', async () => {
    const client = peer();
    const offer = await client.offer();
    const res = await client.post(server.port, { headers: AUTH, body: `${offer}${'a=x-padding\r\n'.repeat(1000)}` });
    expect(await refusal(res)).toMatchObject({ status: 413, code: 'too_large' });
  });

  it('refuses a peer over PARLEY_WEBRTC_MAX_PEERS with 503 capacity_exceeded and Retry-After; DELETE frees it', async () => {
    const first = peer();
    expect((await first.post(server.port, { headers: AUTH })).status).toBe(201);
    const over = await peer().post(server.port, { headers: AUTH });
    expect(over.headers.get('retry-after')).toBe('3');
    expect(await refusal(over)).toMatchObject({ status: 503, code: 'capacity_exceeded' });

    expect((await first.remove(server.port)).status).toBe(204);
    await waitFor(() => server.webrtcPeers() === 0);
    expect((await peer().post(server.port, { headers: AUTH })).status).toBe(201);
  });

  it('answers DELETE of an unknown resource with 404 not_found', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}${WEBRTC_PATH}/00000000-0000-4000-8000-000000000000`, { method: 'DELETE' });
    expect(await refusal(res)).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('answers OPTIONS with Accept-Post: application/sdp, other methods with 405', async () => {
    const options = await fetch(`http://127.0.0.1:${server.port}${WEBRTC_PATH}`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('accept-post')).toBe('application/sdp');
    const get = await fetch(`http://127.0.0.1:${server.port}${WEBRTC_PATH}`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('releases a peer whose data channel never opens after PARLEY_WEBRTC_CONNECT_TIMEOUT_MS', async () => {
    const quick = await startTestServer({ webrtcConnectTimeoutMs: 300, webrtcIceGatherTimeoutMs: 200 });
    try {
      const client = peer();
      expect((await client.post(quick.port)).status).toBe(201);
      // The answer is never applied: nothing will connect.
      await waitFor(() => quick.webrtcPeers() === 0);
      expect(quick.host.openConnections).toBe(0);
    } finally {
      await quick.close();
    }
  });
});

describe('WebRTC signalling from browser origins', () => {
  const ALLOWED = 'https://app.example.com';
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer({ allowedOrigins: [ALLOWED] });
  });
  afterAll(() => server?.close());

  it('refuses an origin outside PARLEY_ALLOWED_ORIGINS with 403 origin_not_allowed, before anything else', async () => {
    const client = new RawWebrtcPeer();
    const res = await client.post(server.port, { headers: { origin: 'https://evil.example.com' } });
    client.close();
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'origin_not_allowed' });
    expect(server.webrtcPeers()).toBe(0);
  });

  it('lets an allowed page read the answer and its Location, and preflights POST and DELETE', async () => {
    const preflight = await fetch(`http://127.0.0.1:${server.port}${WEBRTC_PATH}`, {
      method: 'OPTIONS',
      headers: { origin: ALLOWED, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST, OPTIONS');
    expect(preflight.headers.get('accept-post')).toBe('application/sdp');

    const client = new RawWebrtcPeer();
    const res = await client.post(server.port, { headers: { origin: ALLOWED } });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-expose-headers')).toBe('Location');

    const deletePreflight = await fetch(`http://127.0.0.1:${server.port}${client.location}`, { method: 'OPTIONS', headers: { origin: ALLOWED } });
    expect(deletePreflight.headers.get('access-control-allow-methods')).toBe('DELETE, OPTIONS');
    const removed = await fetch(`http://127.0.0.1:${server.port}${client.location}`, { method: 'DELETE', headers: { origin: ALLOWED } });
    expect(removed.status).toBe(204);
    expect(removed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    client.close();
    await waitFor(() => server.webrtcPeers() === 0);
  });
});
