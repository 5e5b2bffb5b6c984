import { isTurnSpanList, type TurnSpan } from './turn-boundaries.js';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join } from 'node:path';
import { bytesPerSample } from '../../audio/audio-encoding.js';
import { readWav, type WavAudio } from '../../audio/wav.js';

/** One call to replay, as the inputs describe it; its WAV has been read and checked. */
export interface CallInput {
  id: string;
  /** The WAV to open: manifest paths joined to the manifest's folder. */
  audio: string;
  channels: 1 | 2;
  audioMs: number;
  /** Reference text per channel, null where there is none. */
  references: (string | null)[];
  /** Turns expected per channel, null where none is given (a count, or the boundaries' count). */
  expectedTurns: (number | null)[];
  /** Where each channel's true turns are, from the manifest's `turn_boundaries`; null where none is given. */
  turnBoundaries: (TurnSpan[] | null)[];
  /** Session config for the call; the audio format comes from the WAV. */
  config: Record<string, unknown>;
}

/** Bad input (a manifest line, a WAV, a sidecar, a baseline report): the message names the file and line. */
export class CallInputError extends Error {
  override readonly name = 'CallInputError';
  readonly code = 'bad_input';
}

/** Where the calls come from: WAV files, folders of them (searched recursively), JSON Lines manifests. */
export interface CallSources {
  paths: readonly string[];
  manifests: readonly string[];
}

const MANIFEST_KEYS = new Set(['id', 'audio', 'reference', 'references', 'config', 'turns', 'turn_boundaries']);
/** Config keys the WAV's header decides: a manifest may not contradict the audio. */
const AUDIO_FORMAT_KEYS = ['encoding', 'sample_rate', 'channels'];

/**
 * Every call of `sources`, in order: paths first (a folder's WAVs sorted by path), then each
 * manifest's lines. A path ending in `.jsonl` is a manifest. Throws CallInputError on the
 * first bad input; ids must be unique across all of them.
 */
export async function loadCallInputs(sources: CallSources): Promise<CallInput[]> {
  const calls: CallInput[] = [];
  for (const path of sources.paths) {
    if (path.endsWith('.jsonl')) calls.push(...(await readManifest(path)));
    else calls.push(...(await readPath(path)));
  }
  for (const manifest of sources.manifests) calls.push(...(await readManifest(manifest)));
  const seen = new Set<string>();
  for (const call of calls) {
    if (seen.has(call.id)) throw new CallInputError(`${call.audio}: call id "${call.id}" is used twice; give each manifest line its own "id"`);
    seen.add(call.id);
  }
  if (calls.length === 0) throw new CallInputError('no calls to replay: give WAV files, a folder, or --manifest FILE.jsonl');
  return calls;
}

async function readPath(path: string): Promise<CallInput[]> {
  const info = await stat(path).catch(() => {
    throw new CallInputError(`${path}: no such file or folder`);
  });
  if (!info.isDirectory()) return [await readCall(path, withoutWav(basename(path)), {}, path)];
  const entries = await readdir(path, { recursive: true });
  const wavs = entries.filter((entry) => extname(entry).toLowerCase() === '.wav').sort();
  if (wavs.length === 0) throw new CallInputError(`${path}: no .wav files in this folder`);
  const calls: CallInput[] = [];
  // One at a time: a corpus may be far larger than memory.
  for (const wav of wavs) calls.push(await readCall(join(path, wav), withoutWav(wav), {}, join(path, wav)));
  return calls;
}

/** What a manifest line may say about its call. */
interface CallDeclaration {
  reference?: string;
  references?: (string | null)[];
  config?: Record<string, unknown>;
  turns?: number | (number | null)[];
  /** A mono call's `[start_ms, end_ms]` pairs, or one list (or null) per channel. */
  turn_boundaries?: Array<[number, number]> | (Array<[number, number]> | null)[];
}

async function readManifest(manifest: string): Promise<CallInput[]> {
  const text = await readFile(manifest, 'utf8').catch(() => {
    throw new CallInputError(`${manifest}: cannot read the manifest`);
  });
  const folder = dirname(manifest);
  const calls: CallInput[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const where = `${manifest}:${index + 1}`;
    const entry = parseLine(line, where);
    const audio = entry.audio as string;
    const id = typeof entry.id === 'string' ? entry.id : withoutWav(audio);
    // Joined, not resolved: a relative manifest keeps its paths relative in the report.
    calls.push(await readCall(isAbsolute(audio) ? audio : join(folder, audio), id, entry as CallDeclaration, where));
  }
  return calls;
}

/** One manifest line, its fields' types checked; what depends on the WAV is checked later. */
function parseLine(line: string, where: string): Record<string, unknown> {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch (error) {
    throw new CallInputError(`${where}: not JSON (${(error as Error).message})`);
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new CallInputError(`${where}: a line must be a JSON object`);
  const fields = entry as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !MANIFEST_KEYS.has(key));
  if (unknown.length > 0) throw new CallInputError(`${where}: unknown key(s) ${unknown.join(', ')}; a line takes ${[...MANIFEST_KEYS].join(', ')}`);
  if (typeof fields.audio !== 'string' || fields.audio === '') throw new CallInputError(`${where}: "audio" (the WAV's path) is required`);
  if (fields.id !== undefined && (typeof fields.id !== 'string' || fields.id === '')) throw new CallInputError(`${where}: "id" must be a non-empty string`);
  if (fields.reference !== undefined && typeof fields.reference !== 'string') throw new CallInputError(`${where}: "reference" must be a string`);
  if (fields.references !== undefined && !isArrayOf(fields.references, (r) => typeof r === 'string' || r === null)) {
    throw new CallInputError(`${where}: "references" must be an array of strings (or null), one per channel`);
  }
  if (fields.reference !== undefined && fields.references !== undefined) throw new CallInputError(`${where}: give "reference" or "references", not both`);
  if (fields.config !== undefined) {
    if (typeof fields.config !== 'object' || fields.config === null || Array.isArray(fields.config)) throw new CallInputError(`${where}: "config" must be an object`);
    const fixed = AUDIO_FORMAT_KEYS.filter((key) => key in (fields.config as object));
    if (fixed.length > 0) throw new CallInputError(`${where}: "config" may not set ${fixed.join(', ')}: the WAV's header gives the audio format`);
  }
  if (fields.turns !== undefined && !isTurnCount(fields.turns) && !isArrayOf(fields.turns, (t) => t === null || isTurnCount(t))) {
    throw new CallInputError(`${where}: "turns" must be a whole number of turns, or an array of them (or null), one per channel`);
  }
  const boundaries = fields.turn_boundaries;
  if (boundaries !== undefined && !isTurnSpanList(boundaries) && !isArrayOf(boundaries, (b) => b === null || isTurnSpanList(b))) {
    throw new CallInputError(
      `${where}: "turn_boundaries" must be [start_ms, end_ms] pairs in order, each start before its end (a mono call), or one such list (or null) per channel`,
    );
  }
  return fields;
}

/** Reads and checks the WAV, then settles references and expected turns per channel. */
async function readCall(audio: string, id: string, declared: CallDeclaration, where: string): Promise<CallInput> {
  const prefix = where === audio ? audio : `${where}: ${audio}`;
  const bytes = await readFile(audio).catch(() => {
    throw new CallInputError(`${prefix}: no such file`);
  });
  let wav: WavAudio;
  try {
    wav = readWav(bytes);
  } catch (error) {
    throw new CallInputError(`${prefix}: ${(error as Error).message}`);
  }
  if (wav.channels !== 1 && wav.channels !== 2) throw new CallInputError(`${prefix}: Parley takes 1 or 2 channels, not ${wav.channels}`);
  const channels = wav.channels as 1 | 2;
  const frames = wav.data.length / (bytesPerSample(wav.encoding) * channels);
  return {
    id,
    audio,
    channels,
    audioMs: (frames / wav.sampleRate) * 1000,
    references: declared.reference !== undefined || declared.references !== undefined ? referencesOf(declared, channels, prefix) : await sidecarReferences(audio, channels),
    ...expectedTurnsAndBoundaries(declared, channels, prefix),
    config: declared.config ?? {},
  };
}

function referencesOf(declared: CallDeclaration, channels: 1 | 2, prefix: string): (string | null)[] {
  if (declared.reference !== undefined) {
    if (channels !== 1) throw new CallInputError(`${prefix}: a 2-channel call takes "references", one per channel, not one "reference"`);
    return [declared.reference];
  }
  const references = declared.references!;
  if (references.length !== channels) throw new CallInputError(`${prefix}: "references" has ${references.length} entries for ${channels} channel(s)`);
  return references;
}

/** Expected turns per channel from `turns`, or else from `turn_boundaries`; the two must agree where both are given. */
function expectedTurnsAndBoundaries(declared: CallDeclaration, channels: 1 | 2, prefix: string): Pick<CallInput, 'expectedTurns' | 'turnBoundaries'> {
  const turnBoundaries = boundariesOf(declared.turn_boundaries, channels, prefix);
  const counted = expectedTurnsOf(declared.turns, channels, prefix);
  const expectedTurns = counted.map((count, channel) => {
    const spans = turnBoundaries[channel];
    if (count !== null && spans && spans.length !== count) {
      throw new CallInputError(`${prefix}: channel ${channel} has "turns" ${count} but ${spans.length} "turn_boundaries"`);
    }
    return count ?? spans?.length ?? null;
  });
  return { expectedTurns, turnBoundaries };
}

function boundariesOf(declared: CallDeclaration['turn_boundaries'], channels: 1 | 2, prefix: string): (TurnSpan[] | null)[] {
  if (declared === undefined) return Array<null>(channels).fill(null);
  const toSpans = (pairs: Array<[number, number]>): TurnSpan[] => pairs.map(([start_ms, end_ms]) => ({ start_ms, end_ms }));
  // A list of pairs (a mono call's turns) or a list of lists (one per channel): told apart by the first element.
  const perChannel = declared.length > 0 && (declared[0] === null || Array.isArray(declared[0]?.[0]));
  if (!perChannel) {
    if (channels !== 1) throw new CallInputError(`${prefix}: a 2-channel call takes "turn_boundaries" as one list per channel`);
    return [toSpans(declared as Array<[number, number]>)];
  }
  const lists = declared as (Array<[number, number]> | null)[];
  if (lists.length !== channels) throw new CallInputError(`${prefix}: "turn_boundaries" has ${lists.length} entries for ${channels} channel(s)`);
  return lists.map((pairs) => (pairs === null ? null : toSpans(pairs)));
}

function expectedTurnsOf(turns: CallDeclaration['turns'], channels: 1 | 2, prefix: string): (number | null)[] {
  if (turns === undefined) return Array<null>(channels).fill(null);
  if (typeof turns === 'number') {
    if (channels !== 1) throw new CallInputError(`${prefix}: a 2-channel call takes "turns" as an array, one count per channel`);
    return [turns];
  }
  if (turns.length !== channels) throw new CallInputError(`${prefix}: "turns" has ${turns.length} entries for ${channels} channel(s)`);
  return turns;
}

/**
 * References beside the WAV: `NAME.txt` for a mono call, `NAME.ch0.txt` and `NAME.ch1.txt`
 * per channel (`NAME.ch0.txt` also serves a mono call). A channel without one has none.
 */
async function sidecarReferences(audio: string, channels: 1 | 2): Promise<(string | null)[]> {
  const stem = withoutWav(audio);
  const whole = await readText(`${stem}.txt`);
  const perChannel = await Promise.all(Array.from({ length: channels }, (_, c) => readText(`${stem}.ch${c}.txt`)));
  if (channels === 1) return [whole ?? perChannel[0]!];
  if (whole !== null && perChannel.every((text) => text === null)) {
    throw new CallInputError(`${stem}.txt: ${audio} has 2 channels; give one reference per channel (${basename(stem)}.ch0.txt, ${basename(stem)}.ch1.txt)`);
  }
  return perChannel;
}

async function readText(path: string): Promise<string | null> {
  return readFile(path, 'utf8').then(
    (text) => text.trim(),
    () => null,
  );
}

function withoutWav(path: string): string {
  return extname(path).toLowerCase() === '.wav' ? path.slice(0, -4) : path;
}

function isTurnCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isArrayOf(value: unknown, each: (item: unknown) => boolean): boolean {
  return Array.isArray(value) && value.every(each);
}

