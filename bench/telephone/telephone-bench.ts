import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { wordErrorRate } from '../../clients/wer.js';
import { projectRoot } from '../../proto/project-root.js';
import type { ServerOptions } from '../../server/config/server-options.js';
import type { ChannelPipelineOptions } from '../../server/pipeline/channel-pipeline.js';
import { buildTelephoneCall, type TelephoneCall } from '../../test/support/grpc-telephone-call.js';
import { printTable } from '../turn-latency/phase-runner.js';
import { rawEngineTranscripts } from '../../test/support/raw-engine.js';
import type { TelephoneBenchValues } from './telephone-bench-options.js';
import { heardChannels, serverTexts } from './telephone-call-run.js';
import { PROMPT_COUNT, PROMPT_STRIDE, telephoneBenchPrompts } from './telephone-set.js';

/** Silence before every prompt, on both channels: longer than `end_ms`, so each prompt is one turn. */
const GAP_MS = 1000;

/** A server configuration measured side by side with the others in one run. */
interface TelephoneVariant {
  name: string;
  server: Partial<ServerOptions>;
  pipeline: Partial<ChannelPipelineOptions>;
}

const VARIANTS: TelephoneVariant[] = [{ name: 'defaults', server: {}, pipeline: {} }];

function werOf(call: TelephoneCall, texts: string[][]): number {
  return wordErrorRate(call.turns.flat().map((t) => t.transcript).join(' '), texts.flat().join(' '));
}

/**
 * `npm run bench -- --telephone`: one- and two-channel 8 kHz mu-law calls built from a fixed
 * subset of asterisk-en, replayed through a real Parley server; WER against PocketSphinx alone
 * on each channel's utterances (upsampled and mu-law coded as the server does), plus where
 * words go: PocketSphinx alone on exactly the audio the pipeline's recognizer heard, and with
 * a cold cepstral mean for every utterance.
 */
export async function runTelephoneBench(values: TelephoneBenchValues): Promise<void> {
  const speed = Number(values['telephone-speed'] ?? '4');
  if (!(speed >= 0)) throw new Error(`--telephone-speed must be 0 or more, got "${values['telephone-speed']}"`);
  const prompts = telephoneBenchPrompts();
  const seconds = prompts.reduce((s, p) => s + p.samples.length / 8000, 0);
  console.log(
    `telephone bench: ${prompts.length} asterisk-en prompts (every ${PROMPT_STRIDE}th of the manifest, ${PROMPT_COUNT} in all, ` +
      `${seconds.toFixed(1)} s), mu-law 8 kHz, ${GAP_MS} ms gaps, replayed at ${speed}x`,
  );
  const rows = [];
  for (const channels of [1, 2] as const) {
    const call = buildTelephoneCall(prompts, 'mulaw', channels, GAP_MS);
    const utterances = call.turns.map((turns) => turns.map((t) => t.heard16k));
    const raw: string[][] = [];
    const rawCold: string[][] = [];
    for (const u of utterances) {
      raw.push(await rawEngineTranscripts(u));
      rawCold.push(await rawEngineTranscripts(u, { coldCmn: true }));
    }
    for (const variant of VARIANTS) {
      const parley = await serverTexts(call, speed, variant.server);
      const heard = await heardChannels(call, variant.pipeline);
      const rawOnHeard: string[][] = [];
      for (const h of heard) rawOnHeard.push(await rawEngineTranscripts(h.heard));
      const row = {
        channels,
        variant: variant.name,
        prompts: prompts.length,
        turns: parley.flat().length,
        parley_wer: round(werOf(call, parley)),
        raw_wer: round(werOf(call, raw)),
        gap: round(werOf(call, parley) - werOf(call, raw)),
        pipeline_in_process_wer: round(werOf(call, heard.map((h) => h.texts))),
        raw_on_heard_audio_wer: round(werOf(call, rawOnHeard)),
        raw_cold_cmn_wer: round(werOf(call, rawCold)),
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
  printTable('Telephone accuracy (WER; raw: PocketSphinx alone, one decoder per channel, each prompt as one utterance)', rows);
  const dir = join(projectRoot(), 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'telephone.json'), `${JSON.stringify({ date: new Date().toISOString(), speed, gap_ms: GAP_MS, rows }, null, 2)}\n`);
  console.log('\nwrote bench/results/telephone.json');
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
