import { listSupportedBackends } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { defaultSileroModelPath } from '../vad/silero-vad-model.js';
import { createOnnxSession } from './onnx-session-factory.js';

const cudaBundled = listSupportedBackends().some((b) => b.name === 'cuda' && b.bundled);

describe('createOnnxSession', () => {
  it('creates a CPU session by default', async () => {
    const { session, executionProvider } = await createOnnxSession(defaultSileroModelPath());
    expect(executionProvider).toBe('cpu');
    expect(session.inputNames).toEqual(['input', 'state', 'sr']);
    await session.release();
  });

  it('rejects thread counts that are not positive integers', async () => {
    await expect(createOnnxSession(defaultSileroModelPath(), { intraOpThreads: 0 })).rejects.toMatchObject({
      code: 'bad_config',
    });
    await expect(createOnnxSession(defaultSileroModelPath(), { interOpThreads: 1.5 })).rejects.toMatchObject({
      code: 'bad_config',
    });
  });

  it.skipIf(cudaBundled)('without CUDA binaries, cuda fails clearly unless fallbackToCpu is set', async () => {
    await expect(createOnnxSession(defaultSileroModelPath(), { executionProvider: 'cuda' })).rejects.toMatchObject({
      code: 'engine_failure',
      message: expect.stringContaining('CUDA execution provider unavailable'),
    });
    const fallback = await createOnnxSession(defaultSileroModelPath(), { executionProvider: 'cuda', fallbackToCpu: true });
    expect(fallback.executionProvider).toBe('cpu');
    await fallback.session.release();
  });
});
