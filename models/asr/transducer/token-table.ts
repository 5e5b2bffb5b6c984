import { readFile } from 'node:fs/promises';
import { ParleyError } from '../../../proto/errors.js';
import type { AsrWord } from '../asr-engine.js';

/** Where a BPE piece starts a word (sentencepiece's U+2581). */
const WORD_START = '\u2581';

/** The model's symbols by id (`tokens.txt`: one `symbol id` per line; `<blk>` is 0). */
export class TokenTable {
  private constructor(
    private readonly symbols: readonly string[],
    /** `<unk>`'s id: greedy search takes it as blank, as sherpa-onnx does. */
    readonly unkId: number | undefined,
  ) {}

  static async load(path: string): Promise<TokenTable> {
    return TokenTable.parse(await readFile(path, 'utf8'), path);
  }

  static parse(text: string, name = 'tokens.txt'): TokenTable {
    const symbols: string[] = [];
    for (const [index, line] of text.split('\n').entries()) {
      if (line.trim() === '') continue;
      // The id is the last field; a symbol may itself be a space or contain one.
      const match = /^(.*)\s+(\d+)\s*$/.exec(line);
      if (!match) throw new ParleyError('engine_failure', `${name} line ${index + 1} is not "symbol id": ${JSON.stringify(line.slice(0, 80))}`);
      const id = Number(match[2]);
      if (symbols[id] !== undefined) throw new ParleyError('engine_failure', `${name} gives id ${id} twice`);
      symbols[id] = match[1]!;
    }
    if (symbols.length === 0) throw new ParleyError('engine_failure', `${name} has no tokens`);
    const unk = symbols.indexOf('<unk>');
    return new TokenTable(symbols, unk >= 0 ? unk : undefined);
  }

  get size(): number {
    return this.symbols.length;
  }

  symbol(id: number): string {
    return this.symbols[id] ?? '';
  }

  /**
   * Words from decoded tokens and the encoder frame each was emitted at: a piece that starts
   * with U+2581 starts a word. A word spans from its first piece's frame to the end of its
   * last piece's frame.
   */
  words(tokens: readonly number[], frames: readonly number[], frameMs: number): AsrWord[] {
    const words: AsrWord[] = [];
    let current: AsrWord | null = null;
    tokens.forEach((token, i) => {
      const symbol = this.symbol(token);
      const startMs = frames[i]! * frameMs;
      const endMs = startMs + frameMs;
      if (current === null || symbol.startsWith(WORD_START)) {
        const text = symbol.startsWith(WORD_START) ? symbol.slice(WORD_START.length) : symbol;
        current = { word: text, startMs, endMs };
        words.push(current);
      } else {
        current.word += symbol;
        current.endMs = endMs;
      }
    });
    return words.filter((w) => w.word !== '');
  }
}
