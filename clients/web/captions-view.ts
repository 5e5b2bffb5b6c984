import type { ChannelEvent } from '../../proto/messages.js';

/** One turn's block: stable words solid, the unstable tail faded, markers after them. */
interface TurnBlock {
  root: HTMLElement;
  previous: HTMLElement;
  stable: HTMLElement;
  tail: HTMLElement;
  marks: HTMLElement;
  /** The turn's stable words so far, including any a long turn's partials leave out (`omitted_words`). */
  stableWords: string[];
}

type MarkKind = 'eager' | 'end' | 'corrected';

/**
 * Live captions, one block per turn, updated in place: a partial replaces the faded tail and
 * extends the solid stable words; `turn.eager_end` and `turn.end` add a marker with the
 * turn's `latency_ms`; `turn.resumed` strikes the eager marker; `transcript.corrected`
 * replaces the final text and keeps the old one visible, struck through.
 */
export class CaptionsView {
  private readonly blocks = new Map<string, TurnBlock>();
  /** Turn ids start at 1 again in every session: a reconnect must not write into old blocks. */
  private session = 0;

  constructor(private readonly root: HTMLElement) {}

  startSession(): void {
    this.session++;
  }

  clear(): void {
    this.blocks.clear();
    this.root.replaceChildren();
  }

  apply(event: ChannelEvent): void {
    const block = this.block(event.channel, event.turn_id);
    switch (event.type) {
      case 'speech.started':
        break;
      case 'transcript.partial': {
        const words = wordsOf(event.text);
        block.stableWords = block.stableWords.slice(0, event.omitted_words ?? 0).concat(words.slice(0, event.stable_words));
        this.show(block, block.stableWords, words.slice(event.stable_words));
        break;
      }
      case 'turn.eager_end':
        this.show(block, block.stableWords, wordsOf(event.text).slice(block.stableWords.length));
        this.mark(block, 'eager', `eager end · ${event.latency_ms} ms`);
        break;
      case 'turn.resumed':
        block.marks.querySelector('.mark-eager')?.classList.add('resumed');
        break;
      case 'turn.end':
        block.stableWords = wordsOf(event.text);
        this.show(block, block.stableWords, []);
        block.root.classList.add('final');
        this.mark(block, 'end', `end · ${event.latency_ms} ms`);
        break;
      case 'transcript.corrected':
        block.stableWords = wordsOf(event.text);
        block.previous.textContent = event.previous_text;
        block.previous.hidden = false;
        this.show(block, block.stableWords, []);
        block.root.classList.add('corrected');
        this.mark(block, 'corrected', 'corrected');
        break;
    }
    this.root.scrollTop = this.root.scrollHeight;
  }

  private block(channel: number, turnId: number): TurnBlock {
    const key = `${this.session}:${channel}:${turnId}`;
    let block = this.blocks.get(key);
    if (block) return block;
    const root = element('div', 'turn');
    root.dataset.turn = String(turnId);
    root.dataset.channel = String(channel);
    const previous = element('del', 'previous');
    previous.hidden = true;
    const text = element('span', 'text');
    const stable = element('span', 'stable');
    // Screen readers hear the words once they are stable, not every guess at the tail.
    const tail = element('span', 'tail');
    tail.setAttribute('aria-hidden', 'true');
    text.append(stable, tail);
    const marks = element('span', 'marks');
    root.append(previous, text, marks);
    this.root.append(root);
    block = { root, previous, stable, tail, marks, stableWords: [] };
    this.blocks.set(key, block);
    return block;
  }

  private show(block: TurnBlock, stable: string[], tail: string[]): void {
    block.stable.textContent = stable.join(' ');
    block.tail.textContent = (stable.length > 0 && tail.length > 0 ? ' ' : '') + tail.join(' ');
  }

  private mark(block: TurnBlock, kind: MarkKind, text: string): void {
    const mark = block.marks.querySelector(`.mark-${kind}`) ?? block.marks.appendChild(element('span', ''));
    // A later eager end of the same turn replaces a struck (resumed) one.
    mark.className = `mark mark-${kind}`;
    mark.textContent = text;
  }
}

function wordsOf(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}

function element(tag: string, className: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  return node;
}
