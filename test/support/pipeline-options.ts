import { DEFAULT_SERVER_OPTIONS, DEFAULT_SESSION_CONFIG } from '../../server/config/server-options.js';
import type { ChannelPipelineOptions } from '../../server/pipeline/channel-pipeline.js';

/** Channel 0's pipeline options as the server sets them by default, with a test's changes. */
export function defaultPipelineOptions(key: string, overrides: Partial<ChannelPipelineOptions> = {}): ChannelPipelineOptions {
  const o = DEFAULT_SERVER_OPTIONS;
  return {
    channel: 0,
    key,
    eagerEndMs: DEFAULT_SESSION_CONFIG.eager_end_ms,
    endMs: DEFAULT_SESSION_CONFIG.end_ms,
    interimResults: true,
    preRollMs: o.preRollMs,
    recognizerTrailingSilenceMs: o.recognizerTrailingSilenceMs,
    finalPassWaitMs: o.finalPassWaitMs,
    partialDeadlineMs: o.partialDeadlineMs,
    maxDecodeMs: o.maxDecodeMs,
    ...overrides,
  };
}
