/**
 * What the words so far say about whether a turn is over. A turn rarely ends on a word
 * that needs a continuation (a conjunction, an article, a preposition, a filler, a
 * possessive); it often ends on a closing phrase; a question asked is usually a turn given
 * away. Word lists, not a language model: cheap, explainable, and the same for every engine.
 */
export interface LexicalCues {
  /** The last word wants more after it ("and", "the", "of", "uh", "my"). */
  endsOnContinuation: boolean;
  /** The turn ends with a closing phrase ("thank you", "bye", "that's all"). */
  endsOnClosing: boolean;
  /** The turn opens like a question (a wh-word or an inverted auxiliary). */
  opensAsQuestion: boolean;
  /** Words recognized so far. */
  wordCount: number;
}

const CONTINUATION = new Set([
  // conjunctions and subordinators
  'and', 'but', 'or', 'nor', 'so', 'because', 'cause', 'if', 'that', 'which', 'who', 'whose', 'whom', 'when', 'while',
  'although', 'though', 'unless', 'until', 'whether', 'than', 'then', 'where',
  // articles and determiners
  'a', 'an', 'the', 'this', 'these', 'those', 'some', 'any', 'every', 'each', 'no',
  // prepositions
  'of', 'to', 'in', 'for', 'on', 'with', 'at', 'by', 'from', 'about', 'as', 'into', 'like', 'through', 'over',
  'between', 'after', 'before', 'under', 'onto', 'upon', 'without', 'within', 'towards', 'toward', 'during', 'against',
  // fillers and hesitations
  'uh', 'um', 'er', 'erm', 'ah', 'eh', 'hmm', 'mm', 'uhm', 'uhh', 'umm',
  // possessives and subjects that need what follows
  'my', 'your', 'our', 'their', 'its', 'i', 'we', "i'm", "we're", "they're", "you're", "it's", "there's",
  // auxiliaries and copulas left hanging
  'is', 'are', 'was', 'were', 'be', 'been', 'am', 'have', 'has', 'had', 'will', 'would', 'can', 'could', 'should', 'must',
  'very', 'really', 'just', 'also', 'not',
]);

const CLOSINGS: readonly (readonly string[])[] = [
  ['thank', 'you'], ['thanks'], ['thankyou'], ['bye'], ['goodbye'], ['bye', 'bye'], ['please'], ["that's", 'all'], ["that's", 'it'],
  ['all', 'right'], ['alright'], ['okay'], ['ok'], ['you', 'too'], ['good', 'night'], ['take', 'care'], ['have', 'a', 'nice', 'day'],
];

const QUESTION_OPENERS = new Set([
  'what', "what's", 'where', "where's", 'when', 'why', 'who', "who's", 'how', "how's", 'which',
  'can', 'could', 'would', 'will', 'do', 'does', 'did', 'is', 'are', 'was', 'were', 'should', 'may', 'have', 'has',
  "don't", "doesn't", "didn't", "isn't", "aren't", "can't", "won't", "wouldn't", "couldn't",
]);

/** Lower case, without the marks some engines put on tokens (`(2)` alternates, quotes). */
function normalize(word: string): string {
  return word.toLowerCase().replace(/\(\d+\)$/, '').replace(/^['"]+|['".,!?]+$/g, '');
}

export function lexicalCues(words: readonly string[]): LexicalCues {
  const normalized = words.map(normalize).filter((w) => w !== '');
  const last = normalized.at(-1);
  const endsWith = (phrase: readonly string[]): boolean =>
    phrase.length <= normalized.length && phrase.every((w, i) => normalized[normalized.length - phrase.length + i] === w);
  return {
    endsOnContinuation: last !== undefined && CONTINUATION.has(last),
    endsOnClosing: CLOSINGS.some(endsWith),
    opensAsQuestion: normalized.length > 0 && QUESTION_OPENERS.has(normalized[0]!),
    wordCount: normalized.length,
  };
}
