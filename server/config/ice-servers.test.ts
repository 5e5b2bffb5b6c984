import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVER_OPTIONS, serverOptionsFromEnv } from './server-options.js';

describe('PARLEY_ICE_SERVERS', () => {
  it('is none by default: host candidates only', () => {
    expect(serverOptionsFromEnv({}).iceServers).toEqual([]);
    expect(DEFAULT_SERVER_OPTIONS.iceServers).toEqual([]);
  });

  it('reads a JSON array of RTCIceServer objects', () => {
    const servers = [{ urls: 'stun:stun.example.com:3478' }, { urls: ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349'], username: 'u', credential: 'p' }];
    expect(serverOptionsFromEnv({ PARLEY_ICE_SERVERS: JSON.stringify(servers) }).iceServers).toEqual(servers);
  });

  it.each([
    ['not JSON', 'stun:stun.example.com', /JSON array/],
    ['not an array', '{"urls":"stun:x"}', /JSON array/],
    ['a URL of another scheme', '[{"urls":"http://stun.example.com"}]', /\[0\]\.urls/],
    ['no URLs', '[{"urls":[]}]', /\[0\]\.urls/],
    ['a TURN server without credentials', '[{"urls":"stun:a"},{"urls":"turn:b"}]', /\[1\]: a TURN server needs a username and a credential/],
  ])('stops the server on %s, naming the variable', (_name, raw, message) => {
    expect(() => serverOptionsFromEnv({ PARLEY_ICE_SERVERS: raw })).toThrow(message);
  });

  it('refuses a gather timeout that leaves no time to connect', () => {
    expect(() => serverOptionsFromEnv({ PARLEY_WEBRTC_ICE_GATHER_TIMEOUT_MS: '5000', PARLEY_WEBRTC_CONNECT_TIMEOUT_MS: '5000' })).toThrow(
      /PARLEY_WEBRTC_ICE_GATHER_TIMEOUT_MS must be below PARLEY_WEBRTC_CONNECT_TIMEOUT_MS/,
    );
  });
});
