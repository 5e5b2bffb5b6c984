import fc from 'fast-check';

/** One generated HTTP/1.x request, kept in parts so a shrunk counterexample reads clearly. */
export interface FuzzRequest {
  method: string;
  target: string;
  version: string;
  headerLines: string[];
  body: string;
  lineEnd: '\r\n' | '\n';
}

/** The request's bytes; every string is latin1, one byte per character, control bytes included. */
export function encodeFuzzRequest(r: FuzzRequest): Buffer {
  const head = [`${r.method} ${r.target} ${r.version}`, ...r.headerLines].join(r.lineEnd);
  return Buffer.from(`${head}${r.lineEnd}${r.lineEnd}${r.body}`, 'latin1');
}

/**
 * `usual` six times in seven, else one of `rare`. Most requests must get past Node's HTTP
 * parser (which answers 400 to anything malformed before Parley sees it) to reach the
 * server's own handlers, where the crashes were.
 */
function mostly<T>(usual: T, ...rare: T[]): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: fc.constant(usual), weight: 6 }, { arbitrary: fc.constantFrom(...rare), weight: 1 });
}

const PATHS = ['/healthz', '/metrics', '/v1/listen', '/v1/listen', '/', '/nope'];

/** Targets the HTTP parser lets through but URL parsers disagree on, and a few it refuses. */
const ODD_TARGETS = [
  '*', '//', '///', '//%zz', '//%zz/healthz', 'http://[', 'http://[/v1/listen', 'http://[::1', 'http://[::1]:1/healthz',
  '%', '%zz', '/%', '/%zz', '/%00', '/..%2f..%2f', '//a:99999/', 'http://:80/', 'http://example.com/healthz',
  'https://example.com:443/v1/listen', 'ws://127.0.0.1/v1/listen', '\\\\%zz', '/\\%zz', '/v1/listen?encoding=%E0%A4%A',
  '/v1/listen?labels=%7B', '/v1/listen?labels=%7B%22a%22%3A1%7D', '/v1/listen?sample_rate=1e400', '/v1/listen?token=%',
  '/v1/listen?encoding=pcm_s16le&encoding=alaw', '/v1/listen?channels=', '/v1/listen?%zz=1', '/v1/listen#frag',
];

/** Characters URL parsers treat specially, percent-escapes good and bad. */
const URL_CHARS = [...'aZ09/%?#[]:@!$&\'()*+,;=.-_~\\"<>^`{|}', '%2', '%zz', '%E0%A4%A', '%00', '%7B'];
/** Bytes Node's HTTP parser refuses in a request target: controls, DEL, raw high bytes (latin1); a space splits the line. */
const REFUSED_CHARS = ['\u0000', '\u0001', '\u0009', '\u000d', '\u000a', '\u007f', '\u00a4', '\u00e0', '\u00ff', ' '];

const fuzzText = (maxLength: number) =>
  fc.string({
    unit: fc.oneof({ arbitrary: fc.constantFrom(...URL_CHARS), weight: 150 }, { arbitrary: fc.constantFrom(...REFUSED_CHARS), weight: 1 }),
    maxLength,
  });

const method = mostly('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'PRI', 'get', 'G\tET', '', 'X'.repeat(40));

const target = fc.oneof(
  fc.constantFrom(...PATHS, ...ODD_TARGETS),
  fc
    .tuple(fc.constantFrom('', '/', '//', '///', 'http://', 'http://[', 'http://h', '%', '*'), fc.constantFrom('', ...PATHS), fuzzText(24))
    .map(([prefix, path, rest]) => `${prefix}${path}${rest}`),
  fc.tuple(fc.constantFrom(...PATHS), fuzzText(40)).map(([path, query]) => `${path}?${query}`),
  // Past the server's header size limit (16 KiB by default, request line included).
  { arbitrary: fc.integer({ min: 1_000, max: 40_000 }).map((n) => `/${'a'.repeat(n)}`), weight: 1 },
);

const version = mostly('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.10', 'http/1.1', 'HTTP/1.1 x', '');

const HEADER_NAMES = [
  'Upgrade', 'Connection', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'Sec-WebSocket-Extensions', 'Sec-WebSocket-Protocol',
  'Content-Length', 'Transfer-Encoding', 'Authorization', 'Expect', 'Origin', 'X-Anything',
];
const ODD_HEADER_NAMES = ['Bad Name', 'Host ', ' Host', '', ':', 'X\u0000', 'Ho\u007fst', '\u00e9', 'X'.repeat(300)];
const HEADER_VALUES = [
  'websocket', 'WebSocket', 'h2c', 'Upgrade', 'keep-alive, Upgrade', 'close', 'upgrade, close', '13', '8', 'abc',
  'dGhlIHNhbXBsZSBub25jZQ==', 'short', '=', 'chunked', 'gzip, chunked', '-1', '0', '10', '99999999999999999999',
  'Bearer x', 'Bearer', '100-continue', '127.0.0.1', '[', '%zz', '', 'permessage-deflate; client_max_window_bits=99',
];
const headerValue = fc.oneof(
  { arbitrary: fc.constantFrom(...HEADER_VALUES), weight: 8 },
  { arbitrary: fuzzText(30), weight: 3 },
  // Past the header size limit.
  { arbitrary: fc.integer({ min: 8_000, max: 40_000 }).map((n) => 'x'.repeat(n)), weight: 1 },
);
const headerLine = fc.oneof(
  { arbitrary: fc.tuple(fc.constantFrom(...HEADER_NAMES), headerValue).map(([n, v]) => `${n}: ${v}`), weight: 10 },
  fc.tuple(fc.constantFrom(...ODD_HEADER_NAMES), headerValue).map(([n, v]) => `${n}: ${v}`),
  // No colon; a folded continuation line (obsolete in RFC 9112).
  fuzzText(30),
  headerValue.map((v) => ` ${v}`),
);

/** The headers of a WebSocket handshake, each one usually right, sometimes wrong or missing, as `ws` checks them. */
const upgradeBlock = fc
  .record({
    upgrade: fc.option(mostly('websocket', 'WebSocket', 'h2c', ''), { nil: undefined, freq: 6 }),
    connection: fc.option(mostly('Upgrade', 'keep-alive, Upgrade', 'close', ''), { nil: undefined, freq: 6 }),
    key: fc.option(mostly('dGhlIHNhbXBsZSBub25jZQ==', 'short', '%%%%', ''), { nil: undefined, freq: 6 }),
    version: fc.option(mostly('13', '8', 'abc'), { nil: undefined, freq: 6 }),
  })
  .map((h) =>
    [
      h.upgrade === undefined ? null : `Upgrade: ${h.upgrade}`,
      h.connection === undefined ? null : `Connection: ${h.connection}`,
      h.key === undefined ? null : `Sec-WebSocket-Key: ${h.key}`,
      h.version === undefined ? null : `Sec-WebSocket-Version: ${h.version}`,
    ].filter((line): line is string => line !== null),
  );

/** One Host header mostly; sometimes none, two (duplicate) or a bad one. */
const hostLines = mostly(['Host: 127.0.0.1'], [], ['Host: 127.0.0.1', 'Host: example.com'], ['Host: ['], ['Host:'], ['Host: 127.0.0.1', 'Host: 127.0.0.1']);

const body = fc.oneof(
  { arbitrary: fc.constant(''), weight: 4 },
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((b) => String.fromCharCode(b)), maxLength: 512 }),
  fc.constantFrom('0\r\n\r\n', '5\r\nhello\r\n0\r\n\r\n', 'zz\r\n', 'GET / HTTP/1.1\r\n\r\n'),
);

/** Requests from plausible to malformed: methods, request targets, header lines (a WebSocket handshake among them), bodies. */
export function fuzzRequest(): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method,
      target,
      version,
      hosts: hostLines,
      upgrade: fc.option(upgradeBlock, { nil: undefined }),
      extra: fc.array(headerLine, { maxLength: 2 }),
      body,
      lineEnd: mostly<'\r\n' | '\n'>('\r\n', '\n'),
    })
    .map(({ hosts, upgrade, extra, ...rest }) => ({ ...rest, headerLines: [...hosts, ...(upgrade ?? []), ...extra] }));
}
