import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ParleyGrpcClient } from '../clients/parley-grpc-client.js';
import { RawPeer } from './support/raw-ws.js';
import { startTestServer } from './support/test-server.js';

const KEY = 'backend-key-1';
const APP = 'https://app.example.com';

type TestServer = Awaited<ReturnType<typeof startTestServer>>;

function postToken(server: TestServer, headers: Record<string, string>): Promise<Response> {
  return fetch(`http://127.0.0.1:${server.port}/v1/tokens`, { method: 'POST', headers });
}

async function tokenFor(server: TestServer): Promise<string> {
  const res = await postToken(server, { authorization: `Bearer ${KEY}` });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { token: string; expires_at: string };
  expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.now());
  return body.token;
}

async function sessionStarts(peer: RawPeer): Promise<void> {
  await peer.opened;
  peer.send({ type: 'start' });
  await peer.next('session.started');
  peer.send({ type: 'stop' });
  expect(await peer.closed).toBe(1000);
}

describe('browser tokens', () => {
  it('are issued for an API key and open sessions wherever a key does', async () => {
    const server = await startTestServer({ apiKeys: [KEY] });
    try {
      const token = await tokenFor(server);
      await sessionStarts(new RawPeer(`${server.url}?token=${encodeURIComponent(token)}`));
      await sessionStarts(new RawPeer(server.url, { authorization: `Bearer ${token}` }));
      const grpc = new ParleyGrpcClient({ address: `127.0.0.1:${server.grpcPort}`, apiKey: token });
      await grpc.started;
      await grpc.stop();
      expect((await grpc.closed).code).toBe(status.OK);
    } finally {
      await server.close();
    }
  });

  it('are refused without a key, for another token, or by another method', async () => {
    const server = await startTestServer({ apiKeys: [KEY] });
    try {
      expect((await postToken(server, {})).status).toBe(401);
      expect(await (await postToken(server, { authorization: 'Bearer wrong' })).json()).toMatchObject({ code: 'unauthorized' });
      const token = await tokenFor(server);
      expect((await postToken(server, { authorization: `Bearer ${token}` })).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${server.port}/v1/tokens`)).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it('expire, and a forged one is refused', async () => {
    const server = await startTestServer({ apiKeys: [KEY], tokenTtlMs: 1000 });
    try {
      const token = await tokenFor(server);
      const [version, body] = token.split('.');
      const forged = new RawPeer(`${server.url}?token=${version}.${body}.AAAA`);
      expect(await forged.closed).toBe(1008);
      expect(forged.errors()[0]).toMatchObject({ code: 'unauthorized' });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const late = new RawPeer(`${server.url}?token=${encodeURIComponent(token)}`);
      expect(await late.closed).toBe(1008);
      expect(late.errors()[0]!.message).toMatch(/expired/);
    } finally {
      await server.close();
    }
  });

  it("count against the limits of the key they were issued under", async () => {
    const server = await startTestServer({ apiKeys: [KEY], maxSessionsPerKey: 1 });
    try {
      const held = new RawPeer(server.url, { authorization: `Bearer ${KEY}` });
      await held.opened;
      held.send({ type: 'start' });
      await held.next('session.started');
      const viaToken = new RawPeer(`${server.url}?token=${encodeURIComponent(await tokenFor(server))}`);
      await viaToken.opened;
      viaToken.send({ type: 'start' });
      expect(await viaToken.closed).toBe(1008);
      expect(viaToken.errors()[0]).toMatchObject({ code: 'limit_exceeded' });
      held.send({ type: 'stop' });
      expect(await held.closed).toBe(1000);
    } finally {
      await server.close();
    }
  });
});

describe('allowed origins', () => {
  it('refuse a WebSocket from another origin with 403, accept the allowed one and non-browser clients', async () => {
    const server = await startTestServer({ allowedOrigins: [APP] });
    try {
      const evil = new RawPeer(server.url, { origin: 'https://evil.example' });
      await expect(evil.opened).rejects.toThrow(/403/);
      await sessionStarts(new RawPeer(server.url, { origin: APP }));
      await sessionStarts(new RawPeer(server.url));
    } finally {
      await server.close();
    }
  });

  it('answer CORS on the token endpoint for the allowed origin only', async () => {
    const server = await startTestServer({ apiKeys: [KEY], allowedOrigins: [APP] });
    try {
      const url = `http://127.0.0.1:${server.port}/v1/tokens`;
      const preflight = await fetch(url, { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'POST' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(APP);
      expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
      expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
      const issued = await postToken(server, { origin: APP, authorization: `Bearer ${KEY}` });
      expect(issued.status).toBe(200);
      expect(issued.headers.get('access-control-allow-origin')).toBe(APP);
      const foreign = await fetch(url, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
      expect(foreign.status).toBe(403);
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
      expect(await foreign.json()).toMatchObject({ code: 'origin_not_allowed' });
    } finally {
      await server.close();
    }
  });
});
