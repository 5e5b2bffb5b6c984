import { describe, expect, it } from 'vitest';
import type { AsrStream } from '../../models/asr/asr-engine.js';
import { VadStream } from '../../models/vad/vad-stream.js';
import { silence } from '../../test/support/audio-fixtures.js';
import { defaultPipelineOptions } from '../../test/support/pipeline-options.js';
import { WorkScheduler } from '../scheduler/work-scheduler.js';
import { ChannelPipeline } from './channel-pipeline.js';

const macrotask = () => new Promise((resolve) => setImmediate(resolve));

describe('ChannelPipeline before its recognizer stream is open', () => {
  it('holds the audio undecided, counted as buffered, and detects once the stream opens', async () => {
    let vadRuns = 0;
    const vad = new VadStream({
      run: async ({ state }) => {
        vadRuns++;
        return { prob: 0, state };
      },
    });
    let open!: (stream: AsrStream) => void;
    const asr = new Promise<AsrStream>((resolve) => (open = resolve));
    const pipeline = new ChannelPipeline(
      defaultPipelineOptions('opening'),
      vad,
      asr,
      new WorkScheduler({ concurrency: 1, urgentReserve: 0, utilizationWindowMs: 1000 }),
      { emit: () => undefined, fail: (error) => expect.fail(String(error)), progressed: () => undefined },
    );
    pipeline.push(silence(320), performance.now());
    await macrotask();
    // No turn event can precede session.started, which waits for the stream.
    expect(vadRuns).toBe(0);
    expect(pipeline.bufferedMs).toBe(320);

    let closed = 0;
    open({
      startUtterance: async () => undefined,
      accept: async () => ({ text: '', words: [] }),
      endUtterance: async () => ({ text: '', words: [] }),
      close: () => closed++,
    });
    await pipeline.finish();
    expect(vadRuns).toBe(10);
    expect(pipeline.bufferedMs).toBe(0);
    pipeline.close();
    expect(closed).toBe(1);
  });
});
