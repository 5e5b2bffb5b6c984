/** Joins audio pieces into one array; a single piece is returned as it is, uncopied. */
export function concatSamples<T extends Float32Array | Int16Array>(parts: readonly T[]): T {
  if (parts.length === 1) return parts[0]!;
  const length = parts.reduce((n, p) => n + p.length, 0);
  const out = (parts[0] instanceof Int16Array ? new Int16Array(length) : new Float32Array(length)) as T;
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
