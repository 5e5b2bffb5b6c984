/** A valid WebSocket handshake's headers (RFC 6455's sample key), so only the request target is wrong. */
const WS_UPGRADE_HEADERS =
  'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';

export interface KnownBadRequest {
  name: string;
  request: string;
}

function get(target: string, upgrade: boolean): string {
  return `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${upgrade ? WS_UPGRADE_HEADERS : ''}\r\n`;
}

/**
 * Requests whose target the HTTP parser accepts but WHATWG URL parsing refuses (an empty or
 * invalid host after `//`, an unclosed IPv6 bracket). Each has ended a Parley server process:
 * the plain ones in the request handler, the upgrades in the `upgrade` handler.
 */
export const KNOWN_BAD_REQUESTS: readonly KnownBadRequest[] = [
  { name: 'GET http://[', request: get('http://[', false) },
  { name: 'GET //%zz', request: get('//%zz', false) },
  { name: 'GET //%zz/healthz', request: get('//%zz/healthz', false) },
  { name: 'GET //', request: get('//', false) },
  { name: 'upgrade GET http://[', request: get('http://[', true) },
  { name: 'upgrade GET //%zz', request: get('//%zz', true) },
  { name: 'upgrade GET //%zz/v1/listen', request: get('//%zz/v1/listen', true) },
  { name: 'upgrade GET http://[/v1/listen', request: get('http://[/v1/listen', true) },
];
