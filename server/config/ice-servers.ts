/** One STUN or TURN server, as `RTCIceServer` names its fields. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

const SCHEMES = /^(stuns?|turns?):\S+$/i;

/**
 * `PARLEY_ICE_SERVERS`: a JSON array of RTCIceServer objects. Unset or empty: none, so the
 * server offers its host candidates only (clients on the same network or reaching it directly).
 */
export function iceServersFromEnv(raw: string | undefined): IceServer[] {
  if (raw === undefined || raw.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('PARLEY_ICE_SERVERS must be a JSON array of {"urls", "username", "credential"} objects');
  }
  return parsed as IceServer[];
}

/**
 * Why `servers` cannot be used, or null. libwebrtc drops a malformed entry with no more than a
 * log line of its own, so a typo would only show as calls that never connect through the relay.
 */
export function iceServersProblem(servers: unknown): string | null {
  if (!Array.isArray(servers)) return 'PARLEY_ICE_SERVERS must be a JSON array';
  for (const [i, server] of servers.entries()) {
    const where = `PARLEY_ICE_SERVERS[${i}]`;
    if (typeof server !== 'object' || server === null) return `${where} must be an object`;
    const { urls, username, credential } = server as Record<string, unknown>;
    const list = typeof urls === 'string' ? [urls] : urls;
    if (!Array.isArray(list) || list.length === 0 || !list.every((u) => typeof u === 'string' && SCHEMES.test(u))) {
      return `${where}.urls must be a stun:, stuns:, turn: or turns: URL, or a non-empty array of them`;
    }
    if (username !== undefined && typeof username !== 'string') return `${where}.username must be a string`;
    if (credential !== undefined && typeof credential !== 'string') return `${where}.credential must be a string`;
    const relay = list.some((u) => /^turns?:/i.test(u as string));
    if (relay && (username === undefined || credential === undefined)) return `${where}: a TURN server needs a username and a credential`;
  }
  return null;
}
