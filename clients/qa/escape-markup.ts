/**
 * Transcripts, call ids and error messages in a QA report are untrusted (a recording can make
 * the recognizer say anything): every piece of them placed in HTML or SVG goes through here.
 * Characters XML cannot hold at all are dropped, not escaped: one of them would make librsvg
 * refuse the whole timeline picture.
 */
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeMarkup(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
