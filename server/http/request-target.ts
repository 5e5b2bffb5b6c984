export interface RequestTarget {
  path: string;
  params: URLSearchParams;
}

/**
 * The path and query of a request target (origin-form `/path?query` or absolute-form, as
 * proxies send it), or null for anything else (`*`, `//x`, garbage). `new URL` throws on
 * targets such as `http://[` or `//%zz`; a throw in a request or upgrade handler would end
 * the process, so nothing here throws.
 */
export function parseRequestTarget(raw: string | undefined): RequestTarget | null {
  if (!raw) return null;
  const absolute = /^https?:\/\//i.test(raw);
  if (!absolute && (!raw.startsWith('/') || raw.startsWith('//'))) return null;
  try {
    const url = absolute ? new URL(raw) : new URL(raw, 'http://parley.invalid');
    return { path: url.pathname, params: url.searchParams };
  } catch {
    return null;
  }
}
