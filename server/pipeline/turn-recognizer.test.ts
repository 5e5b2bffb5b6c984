import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PocketSphinxEngine } from '../../models/asr/pocketsphinx/pocketsphinx-engine.js';
import { goForward } from '../../test/support/audio-fixtures.js';
import { acceptedSamples, CountingStream, type AsrCall } from '../../test/support/counting-asr-stream.js';
import { loadLibriVox } from '../../test/support/librivox.js';
import { normalizeWords, wordErrorRate } from '../../clients/wer.js';
import type { WorkClass } from '../scheduler/work-class.js';
import { WorkScheduler, type WorkRequest } from '../scheduler/work-scheduler.js';
import { TurnRecognizer, type TurnRecognizerHooks } from './turn-recognizer.js';
import { newTurn, textOf, type Turn } from './turn.js';

const GO_FORWARD = 'go forward ten meters';
/** 40 ms at 16 kHz. */
const PIECE = 640;

/** A real scheduler that also keeps how each submitted item settled. */
class RecordingScheduler extends WorkScheduler {
  readonly outcomes: Array<Promise<string>> = [];
  /** Keys of the work submitted so far, in order. */
  readonly submittedKeys: string[] = [];
  readonly startedClasses: WorkClass[] = [];

  constructor(concurrency: number, urgentReserve = 0) {
    const started: WorkClass[] = [];
    super({ concurrency, urgentReserve, utilizationWindowMs: 1000, observer: { started: (c) => started.push(c), finished: () => undefined } });
    this.startedClasses = started;
  }

  override submit<T>(request: WorkRequest<T>): Promise<T> {
    const result = super.submit(request);
    this.submittedKeys.push(request.key);
    this.outcomes.push(
      result.then(
        () => 'resolved',
        (error: unknown) => `rejected:${(error as { code?: string }).code ?? String(error)}`,
      ),
    );
    return result;
  }

  /** Occupies one slot until `release()`, with work of `workClass`. */
  hold(workClass: WorkClass = 'vad'): { release(): void } {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    void this.submit({ workClass, key: 'blocker', deadline: 0, run: () => gate });
    return { release };
  }
}

function recordingHooks() {
  const hooks = {
    updated: [] as string[],
    finished: [] as Array<{ turn: Turn; text: string }>,
    failed: [] as unknown[],
    progressed: 0,
  };
  const callbacks: TurnRecognizerHooks = {
    updated: (turn) => hooks.updated.push(`${turn.id}:${textOf(turn.words)}`),
    finished: (turn, hypothesis) => hooks.finished.push({ turn, text: hypothesis.text }),
    fail: (error) => hooks.failed.push(error),
    progressed: () => hooks.progressed++,
  };
  return { hooks, callbacks };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Feeds `audio` to `turn` in 40 ms pieces, all in this tick; returns how many pieces. */
function feedAll(recognizer: TurnRecognizer, turn: Turn, audio: Float32Array): number {
  let pieces = 0;
  for (let offset = 0; offset < audio.length; offset += PIECE) {
    recognizer.feed(turn, audio.subarray(offset, offset + PIECE), performance.now());
    pieces++;
  }
  return pieces;
}

describe('TurnRecognizer on a real PocketSphinx stream and a real WorkScheduler', () => {
  let engine: PocketSphinxEngine;
  const speech = goForward();
  /** Channel A's audio where only its scheduling matters: the first second. */
  const opening = speech.subarray(0, 16_000);
  const libri = loadLibriVox().find((u) => u.id.endsWith('0880'))!; // "he was not an ill disposed young man"

  beforeAll(async () => {
    engine = await PocketSphinxEngine.create();
    await engine.prewarm(2);
  });
  afterAll(() => engine?.close());

  async function open(scheduler: WorkScheduler, key: string, log: AsrCall[], maxDecodeMs = 10_000) {
    const stream = new CountingStream(await engine.openStream(), key, log);
    const { hooks, callbacks } = recordingHooks();
    const recognizer = new TurnRecognizer(
      Promise.resolve(stream),
      scheduler,
      { key, partialDeadlineMs: 500, finalDeadlineMs: 1000, maxDecodeMs },
      callbacks,
    );
    return { stream, hooks, recognizer };
  }

  it('coalesces audio that waited for a busy slot into one or two decodes, dropping none, then finishes the turn', async () => {
    const scheduler = new RecordingScheduler(1);
    const log: AsrCall[] = [];
    const { stream, hooks, recognizer } = await open(scheduler, 'a', log);
    const blocker = scheduler.hold();

    const turn = newTurn(1, 0);
    const preRoll = speech.subarray(0, 300 * 16);
    recognizer.begin(turn, preRoll, performance.now());
    let pieces = 1;
    for (let offset = preRoll.length; offset < speech.length; offset += PIECE) {
      recognizer.feed(turn, speech.subarray(offset, offset + PIECE), performance.now());
      pieces++;
      await tick(); // pieces arrive over several turns of the event loop, as from a socket
    }
    expect(pieces).toBeGreaterThan(50);
    // While the slot is held nothing is decoded, and nothing is lost.
    expect(stream.calls('accept')).toHaveLength(0);
    expect(recognizer.waitingMs).toBeCloseTo(speech.length / 16, 6);

    blocker.release();
    await recognizer.drained();

    const accepts = stream.calls('accept');
    expect(accepts.length).toBeGreaterThanOrEqual(1);
    expect(accepts.length).toBeLessThanOrEqual(2);
    expect(acceptedSamples(accepts)).toBe(speech.length);
    expect(recognizer.waitingMs).toBe(0);
    expect(hooks.updated.length).toBeLessThanOrEqual(accepts.length);
    expect(hooks.progressed).toBe(accepts.length);
    expect(turn.words.length).toBeGreaterThan(0);
    expect(hooks.failed).toEqual([]);

    recognizer.end(turn);
    await recognizer.drained();
    expect(hooks.finished.map((f) => [f.turn.id, f.text])).toEqual([[1, GO_FORWARD]]);
    expect(stream.calls('endUtterance')).toHaveLength(1);
    // The blocker, then partial decoding, then the end-of-utterance pass as urgent work.
    expect(scheduler.startedClasses[0]).toBe('vad');
    expect(scheduler.startedClasses.slice(1, -1).every((c) => c === 'partial')).toBe(true);
    expect(scheduler.startedClasses.at(-1)).toBe('final');
    expect(await Promise.all(scheduler.outcomes)).toEqual(scheduler.outcomes.map(() => 'resolved'));
    recognizer.close();
  });

  it("starts each utterance through the scheduler, in the channel's lane, with its first audio right behind", async () => {
    const scheduler = new RecordingScheduler(1);
    const log: AsrCall[] = [];
    const { stream, recognizer } = await open(scheduler, 'a', log);
    const blocker = scheduler.hold();

    const turn = newTurn(1, 0);
    recognizer.begin(turn, opening, performance.now());
    await until(() => scheduler.submittedKeys.length === 3);
    // Nothing reached the recognizer while the only slot was taken.
    expect(log).toEqual([]);
    expect(scheduler.submittedKeys).toEqual(['blocker', 'a', 'a']);

    blocker.release();
    await recognizer.drained();
    expect(log.map((c) => c.method)).toEqual(['startUtterance', 'accept']);
    expect(scheduler.startedClasses).toEqual(['vad', 'partial', 'partial']);
    expect(acceptedSamples(stream.calls('accept'))).toBe(opening.length);
    recognizer.close();
  });

  it('merges waiting audio into calls of at most maxDecodeMs (plus one piece), still dropping none', async () => {
    const scheduler = new RecordingScheduler(1);
    const log: AsrCall[] = [];
    const maxDecodeMs = 1000;
    const { stream, hooks, recognizer } = await open(scheduler, 'a', log, maxDecodeMs);
    const blocker = scheduler.hold();

    const turn = newTurn(1, 0);
    recognizer.begin(turn, new Float32Array(0), performance.now());
    const pieces = feedAll(recognizer, turn, speech);
    recognizer.end(turn);
    blocker.release();
    await recognizer.drained();

    const accepts = stream.calls('accept');
    const limit = maxDecodeMs * 16;
    expect(accepts.length).toBeGreaterThanOrEqual(Math.ceil(speech.length / (limit + PIECE)));
    expect(accepts.length).toBeLessThan(pieces);
    for (const call of accepts) expect(call.samples.length).toBeLessThan(limit + PIECE);
    expect(acceptedSamples(accepts)).toBe(speech.length);
    expect(hooks.finished.map((f) => f.text)).toEqual([GO_FORWARD]);
    expect(hooks.failed).toEqual([]);
    recognizer.close();
  });

  it("runs a turn's end work (remaining audio, then the end-of-utterance pass) before another channel's partial decoding", async () => {
    const scheduler = new RecordingScheduler(1);
    const log: AsrCall[] = [];
    const a = await open(scheduler, 'channel-a', log);
    const b = await open(scheduler, 'channel-b', log);
    const blocker = scheduler.hold();

    const turnA = newTurn(1, 0);
    a.recognizer.begin(turnA, new Float32Array(0), performance.now());
    feedAll(a.recognizer, turnA, opening);
    const turnB = newTurn(1, 0);
    b.recognizer.begin(turnB, new Float32Array(0), performance.now());
    feedAll(b.recognizer, turnB, speech);
    b.recognizer.end(turnB);
    // Both channels' audio decodes are waiting for the slot.
    await until(() => scheduler.submittedKeys.includes('channel-a') && scheduler.submittedKeys.includes('channel-b'));
    expect(log.filter((c) => c.method === 'accept')).toEqual([]);

    blocker.release();
    await Promise.all([a.recognizer.drained(), b.recognizer.drained()]);

    const work = log.filter((c) => c.method === 'accept' || c.method === 'endUtterance').map((c) => `${c.stream}.${c.method}`);
    expect(work).toEqual(['channel-b.accept', 'channel-b.endUtterance', 'channel-a.accept']);
    // The blocker; B's start, audio and end-of-utterance pass; then A's start and audio.
    expect(scheduler.startedClasses).toEqual(['vad', 'final', 'final', 'final', 'partial', 'partial']);
    expect(b.hooks.finished.map((f) => f.text)).toEqual([GO_FORWARD]);
    expect(acceptedSamples(a.stream.calls('accept'))).toBe(opening.length);
    expect([...a.hooks.failed, ...b.hooks.failed]).toEqual([]);
    a.recognizer.close();
    b.recognizer.close();
  });

  it("runs a turn's end work in the urgent reserve while partial decoding holds every ordinary slot", async () => {
    const scheduler = new RecordingScheduler(1, 1);
    const log: AsrCall[] = [];
    const a = await open(scheduler, 'channel-a', log);
    const b = await open(scheduler, 'channel-b', log);
    const longPartial = scheduler.hold('partial');

    const turnA = newTurn(1, 0);
    a.recognizer.begin(turnA, new Float32Array(0), performance.now());
    feedAll(a.recognizer, turnA, opening);
    const turnB = newTurn(1, 0);
    b.recognizer.begin(turnB, new Float32Array(0), performance.now());
    feedAll(b.recognizer, turnB, speech);
    b.recognizer.end(turnB);

    // B's turn ends while the only ordinary slot is still held.
    await b.recognizer.drained();
    expect(b.hooks.finished.map((f) => f.text)).toEqual([GO_FORWARD]);
    expect(a.stream.calls('accept')).toEqual([]);
    expect(scheduler.queued).toBe(2); // A's start and its audio

    longPartial.release();
    await a.recognizer.drained();
    expect(acceptedSamples(a.stream.calls('accept'))).toBe(opening.length);
    expect(scheduler.startedClasses).toEqual(['partial', 'final', 'final', 'final', 'partial', 'partial']);
    a.recognizer.close();
    b.recognizer.close();
  });

  it('close() drops waiting work without reporting a failure, closes the stream, and ignores later calls', async () => {
    const scheduler = new RecordingScheduler(1);
    const log: AsrCall[] = [];
    const { stream, hooks, recognizer } = await open(scheduler, 'a', log);
    const blocker = scheduler.hold();

    const turn = newTurn(1, 0);
    recognizer.begin(turn, new Float32Array(0), performance.now());
    feedAll(recognizer, turn, speech);
    recognizer.end(turn);
    await until(() => scheduler.submittedKeys.includes('a'));

    recognizer.close();
    expect(scheduler.queued).toBe(0);
    expect(recognizer.waitingMs).toBe(0);
    expect(stream.calls('close')).toHaveLength(1);
    // The work that was waiting was rejected by the scheduler as session_ended.
    const dropped = await Promise.all(scheduler.outcomes.slice(1));
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped.every((outcome) => outcome === 'rejected:session_ended')).toBe(true);
    // The real stream is closed: it refuses work.
    await expect(stream.inner.accept(new Float32Array(160))).rejects.toThrow(/closed/);

    const submitted = scheduler.outcomes.length;
    recognizer.feed(turn, speech, performance.now());
    recognizer.end(turn);
    recognizer.begin(newTurn(2, 0), new Float32Array(0), performance.now());
    expect(scheduler.queued).toBe(0);

    blocker.release();
    await recognizer.drained();
    await tick();
    expect(scheduler.outcomes).toHaveLength(submitted);
    // Even the utterance start waited for the slot, and was dropped with the rest.
    expect(log.filter((c) => c.method !== 'close')).toEqual([]);
    expect(hooks.failed).toEqual([]);
    expect(hooks.updated).toEqual([]);
    expect(hooks.finished).toEqual([]);
    expect(hooks.progressed).toBe(0);

    recognizer.close(); // idempotent
    expect(stream.calls('close')).toHaveLength(1);
  });

  it('counts no audio as waiting for feed() or begin() after close()', async () => {
    const scheduler = new RecordingScheduler(1);
    const { recognizer } = await open(scheduler, 'a', []);
    recognizer.close();
    recognizer.feed(newTurn(1, 0), speech, performance.now());
    recognizer.begin(newTurn(2, 0), opening, performance.now());
    expect(scheduler.queued).toBe(0);
    expect(recognizer.waitingMs).toBe(0);
  });

  it('close() while a decode is running leaves no audio counted as waiting', async () => {
    const scheduler = new RecordingScheduler(1);
    const log: AsrCall[] = [];
    const { stream, hooks, recognizer } = await open(scheduler, 'a', log);

    const turn = newTurn(1, 0);
    recognizer.begin(turn, new Float32Array(0), performance.now());
    feedAll(recognizer, turn, opening);
    await until(() => stream.calls('accept').length === 1);
    recognizer.close(); // the native decode is in flight
    await stream.lastAccept;
    await recognizer.drained();
    await tick();

    expect(hooks.updated).toEqual([]);
    expect(hooks.failed).toEqual([]);
    expect(recognizer.waitingMs).toBe(0);
  });

  it("applies one recognizer's audio, end and next begin in order: the second turn holds none of the first's words", async () => {
    const scheduler = new RecordingScheduler(1);
    const log: AsrCall[] = [];
    const { hooks, recognizer } = await open(scheduler, 'a', log);
    const blocker = scheduler.hold();

    const first = newTurn(1, 0);
    recognizer.begin(first, new Float32Array(0), performance.now());
    feedAll(recognizer, first, speech);
    recognizer.end(first);
    const second = newTurn(2, speech.length / 16);
    recognizer.begin(second, new Float32Array(0), performance.now());
    feedAll(recognizer, second, libri.samples);
    recognizer.end(second);

    blocker.release();
    await recognizer.drained();

    expect(log.filter((c) => c.method !== 'close').map((c) => `${c.method}:${c.samples.length}`)).toEqual([
      'startUtterance:0',
      `accept:${speech.length}`,
      'endUtterance:0',
      'startUtterance:0',
      `accept:${libri.samples.length}`,
      'endUtterance:0',
    ]);
    expect(hooks.finished.map((f) => f.turn.id)).toEqual([1, 2]);
    expect(hooks.finished[0]!.text).toBe(GO_FORWARD);
    const secondFinal = normalizeWords(hooks.finished[1]!.text);
    const secondFirstPass = normalizeWords(textOf(second.words));
    for (const word of normalizeWords(GO_FORWARD)) {
      expect(secondFinal).not.toContain(word);
      expect(secondFirstPass).not.toContain(word);
    }
    expect(wordErrorRate(libri.transcript, hooks.finished[1]!.text)).toBeLessThanOrEqual(0.5);
    expect(hooks.failed).toEqual([]);
    recognizer.close();
  });
});
