import type { IncomingMessage, ServerResponse } from 'node:http';
import { ParleyError } from '../../proto/errors.js';
import type { SessionConfig } from '../../proto/session-config.js';
import { SDP_CONTENT_TYPE, WEBRTC_PATH, WEBRTC_SESSION_AUDIO } from '../../proto/webrtc.js';
import { loadWrtc, type RtcIceServer } from '../../proto/webrtc-native.js';
import { ApiKeyAuth } from '../auth/api-key-auth.js';
import type { HttpHandler } from '../http/http-handler.js';
import { sendRefusal } from '../http/http-refusal.js';
import { OriginPolicy } from '../http/origin-policy.js';
import { readBody } from '../http/read-body.js';
import type { RequestTarget } from '../http/request-target.js';
import { applyConfigLayer, configFromQuery, validateSessionConfig } from '../session/session-config-resolver.js';
import type { SessionHost } from '../session/session-host.js';
import { checkOffer } from './webrtc-offer.js';
import { WebrtcPeer } from './webrtc-peer.js';
import { WebrtcPeers } from './webrtc-peers.js';

type Headers = Record<string, string>;

export interface WebrtcSignallingOptions {
  host: SessionHost;
  /** STUN/TURN servers of the server's peer connections (`PARLEY_ICE_SERVERS`). */
  iceServers: readonly RtcIceServer[];
  /** Peer connections at once, negotiating or in a session (`PARLEY_WEBRTC_MAX_PEERS`). */
  maxPeers: number;
  /** Largest offer (`PARLEY_WEBRTC_MAX_SDP_BYTES`); larger is refused with 413. */
  maxSdpBytes: number;
  /** POST to the data channel's opening (`PARLEY_WEBRTC_CONNECT_TIMEOUT_MS`). */
  connectTimeoutMs: number;
  /** Longest wait for ICE candidates before answering (`PARLEY_WEBRTC_ICE_GATHER_TIMEOUT_MS`). */
  iceGatherTimeoutMs: number;
  /** ICE disconnected this long ends the session (`PARLEY_WEBRTC_DISCONNECT_GRACE_MS`). */
  disconnectGraceMs: number;
  /** Whether the request's browser origin may signal; false answers 403 `origin_not_allowed`. Default: any. */
  allowOrigin?: (req: IncomingMessage) => boolean;
  /** CORS headers of an answer to an allowed origin; `exposed`: headers a page may read. Default: none. */
  corsHeaders?: (req: IncomingMessage, exposed: readonly string[]) => Headers;
  /** Headers of the answer to a CORS preflight for `methods`. Default: none. */
  preflightHeaders?: (req: IncomingMessage, methods: readonly string[]) => Headers;
}

/** The signalling endpoint, and what the server needs of it besides HTTP. */
export interface WebrtcSignalling extends HttpHandler {
  /** Peer connections held now. */
  readonly peers: number;
  /** Cuts off every peer still held (after the drain) and resolves once all are released. Idempotent. */
  close(): Promise<void>;
}

/** The server's options for the endpoint, with the browser origins of `PARLEY_ALLOWED_ORIGINS`. */
export function webrtcSignallingOptions(host: SessionHost): WebrtcSignallingOptions {
  const { options, origins } = host;
  return {
    host,
    iceServers: options.iceServers,
    maxPeers: options.webrtcMaxPeers,
    maxSdpBytes: options.webrtcMaxSdpBytes,
    connectTimeoutMs: options.webrtcConnectTimeoutMs,
    iceGatherTimeoutMs: options.webrtcIceGatherTimeoutMs,
    disconnectGraceMs: options.webrtcDisconnectGraceMs,
    allowOrigin: (req) => origins.allows(OriginPolicy.of(req)),
    corsHeaders: (req, exposed) => origins.corsHeaders(req, exposed),
    preflightHeaders: (req, methods) => origins.preflightHeaders(req, methods),
  };
}

const COLLECTION_METHODS = ['POST', 'OPTIONS'];
const RESOURCE_METHODS = ['DELETE', 'OPTIONS'];
/** A page reads the resource's URL from the answer to DELETE it later. */
const EXPOSED = ['Location'];

/**
 * `POST /v1/webrtc` takes an SDP offer and answers `201 Created` with the SDP answer and the
 * session's resource in `Location`; `DELETE` on that resource ends the session at once
 * (design.md 3b, WHIP's shape). Everything refused before a peer exists is an HTTP status
 * with a JSON `{code, message}` body. The resource id is the capability to delete: DELETE
 * needs no key, so a page whose short-lived token has expired can still hang up.
 */
export function webrtcSignalling(options: WebrtcSignallingOptions): WebrtcSignalling {
  const { host } = options;
  const log = host.log.child({ transport: 'webrtc' });
  const peers = new WebrtcPeers(options.maxPeers, host.options.retryAfterMs);
  const corsHeaders = options.corsHeaders ?? (() => ({}));
  const preflightHeaders = options.preflightHeaders ?? (() => ({}));

  const refuse = (req: IncomingMessage, res: ServerResponse, error: ParleyError, extra: Headers = {}) => {
    log.info({ event: 'refused', code: error.code, address: req.socket.remoteAddress }, 'WebRTC signalling refused');
    sendRefusal(res, error, { ...corsHeaders(req, EXPOSED), ...extra });
  };

  async function post(req: IncomingMessage, res: ServerResponse, target: RequestTarget): Promise<void> {
    let peer: WebrtcPeer | undefined;
    try {
      host.checkAccepting();
      const credential = ApiKeyAuth.bearer(req.headers.authorization);
      host.authenticate(credential);
      checkContentType(req.headers['content-type']);
      const queryConfig = webrtcQueryConfig(host.sessionDefaults, target.params);
      const offer = (await readBody(req, options.maxSdpBytes)).toString('utf8');
      checkOffer(offer);
      const client = { credential, address: req.socket.remoteAddress ?? 'unknown', queryConfig };
      // The id is the capability to end the session: the log gets a prefix, enough to follow one peer.
      peer = peers.open((id) => new WebrtcPeer(id, loadWrtc(), host, client, options, log.child({ peer: id.slice(0, 8) })));
      const answer = await peer.answer(offer);
      if (req.socket.destroyed) {
        // The client left while the answer was being made: nobody will ever connect.
        peer.release();
        return;
      }
      res.writeHead(201, {
        'content-type': SDP_CONTENT_TYPE,
        'content-length': String(Buffer.byteLength(answer)),
        location: `${WEBRTC_PATH}/${peer.id}`,
        'cache-control': 'no-store',
        ...corsHeaders(req, EXPOSED),
      });
      res.end(answer);
    } catch (error) {
      peer?.release();
      if (!(error instanceof ParleyError)) throw error;
      // The rest of an oversized body is not read: the connection cannot carry another request.
      refuse(req, res, error, error.code === 'too_large' ? { connection: 'close' } : {});
    }
  }

  function remove(req: IncomingMessage, res: ServerResponse, id: string): void {
    const peer = peers.get(id);
    if (!peer) return refuse(req, res, new ParleyError('not_found', 'no such WebRTC session (it may have ended already)'));
    peer.end();
    res.writeHead(204, corsHeaders(req, EXPOSED));
    res.end();
  }

  function preflight(req: IncomingMessage, res: ServerResponse, methods: readonly string[], extra: Headers = {}): void {
    res.writeHead(204, { ...preflightHeaders(req, methods), ...extra });
    res.end();
  }

  function notAllowed(res: ServerResponse, methods: readonly string[]): void {
    res.writeHead(405, { allow: methods.join(', '), 'content-type': 'text/plain' });
    res.end('method not allowed\n');
  }

  let closing: Promise<void> | null = null;
  return {
    get peers() {
      return peers.size;
    },
    matches: (path) => path === WEBRTC_PATH || resourceId(path) !== null,
    handle: async (req, res, target) => {
      if (options.allowOrigin && !options.allowOrigin(req)) {
        return refuse(req, res, new ParleyError('origin_not_allowed', 'this origin is not in PARLEY_ALLOWED_ORIGINS'));
      }
      const id = resourceId(target.path);
      if (id === null) {
        if (req.method === 'POST') return post(req, res, target);
        if (req.method === 'OPTIONS') return preflight(req, res, COLLECTION_METHODS, { 'accept-post': SDP_CONTENT_TYPE });
        return notAllowed(res, COLLECTION_METHODS);
      }
      if (req.method === 'DELETE') return remove(req, res, id);
      if (req.method === 'OPTIONS') return preflight(req, res, RESOURCE_METHODS);
      return notAllowed(res, RESOURCE_METHODS);
    },
    close: () => {
      closing ??= peers.close();
      return closing;
    },
  };
}

/** The id in `/v1/webrtc/<id>`, or null for any other path. */
function resourceId(path: string): string | null {
  const prefix = `${WEBRTC_PATH}/`;
  if (!path.startsWith(prefix)) return null;
  const id = path.slice(prefix.length);
  return id.length > 0 && !id.includes('/') ? id : null;
}

function checkContentType(header: string | undefined): void {
  const type = header?.split(';')[0]!.trim().toLowerCase();
  if (type !== SDP_CONTENT_TYPE) {
    throw new ParleyError('unsupported_media_type', `the offer must be sent as Content-Type: ${SDP_CONTENT_TYPE}`);
  }
}

/**
 * The session config of the query, checked now so that a bad one is a 400 before any
 * negotiation. The audio format is the track's (WEBRTC_SESSION_AUDIO): a query may repeat it
 * but not change it, since a session decoding 48 kHz as anything else would hear garbage.
 */
function webrtcQueryConfig(defaults: SessionConfig, params: URLSearchParams): Record<string, unknown> {
  const query = configFromQuery(params, []);
  const requested = applyConfigLayer(defaults, query);
  for (const [key, value] of Object.entries(WEBRTC_SESSION_AUDIO) as Array<[keyof typeof WEBRTC_SESSION_AUDIO, string | number]>) {
    if (key in query && requested[key] !== value) {
      throw new ParleyError('bad_config', `${key} is the audio track's over WebRTC: leave it out (it is ${value})`, true);
    }
  }
  const config = { ...query, ...WEBRTC_SESSION_AUDIO };
  validateSessionConfig(applyConfigLayer(defaults, config));
  return config;
}
