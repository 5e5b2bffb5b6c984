/**
 * How many leading words of a turn a `transcript.partial` leaves out (`omitted_words`) so it
 * carries at most `maxWords` words. Only stable words are left out: they never change and
 * every one of them was sent, while still unstable, in an earlier partial, so the client
 * already has them. When the unstable tail alone is longer than `maxWords`, all of it is
 * still sent: a word the client has not seen is never left out.
 */
export function omittedPartialWords(wordCount: number, stableCount: number, maxWords: number): number {
  return Math.max(0, Math.min(stableCount, wordCount - maxWords));
}
