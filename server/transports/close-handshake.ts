/**
 * How long a transport waits for the client to answer its close (a WebSocket close frame, a
 * data channel close) before it cuts the wire: a client that never reads would otherwise hold
 * it, and with it a descriptor, for as long as the library's own timeout.
 */
export const CLOSE_HANDSHAKE_MS = 2000;
