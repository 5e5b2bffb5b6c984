/** One sample line of the Prometheus text exposition format. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedMetrics {
  samples: MetricSample[];
  /** `# HELP` text by metric family name. */
  help: Map<string, string>;
  /** `# TYPE` by metric family name. */
  types: Map<string, string>;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;
const COMMENT_LINE = /^#\s+(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(.*)$/;

function parseValue(raw: string): number {
  if (raw === '+Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  if (raw === 'NaN') return NaN;
  const value = Number(raw);
  if (Number.isNaN(value)) throw new Error(`not a metric value: "${raw}"`);
  return value;
}

function parseLabels(raw: string | undefined, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!raw) return labels;
  LABEL.lastIndex = 0;
  let consumed = 0;
  for (let m = LABEL.exec(raw); m; m = LABEL.exec(raw)) {
    labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    consumed = LABEL.lastIndex;
  }
  if (consumed !== raw.length) throw new Error(`bad label set in metric line: ${line}`);
  return labels;
}

/** Parses the text exposition; throws on a line that is neither a comment nor a sample. */
export function parseMetrics(text: string): ParsedMetrics {
  const parsed: ParsedMetrics = { samples: [], help: new Map(), types: new Map() };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const comment = COMMENT_LINE.exec(line);
      if (comment) (comment[1] === 'HELP' ? parsed.help : parsed.types).set(comment[2]!, comment[3]!);
      continue;
    }
    const sample = SAMPLE_LINE.exec(line);
    if (!sample) throw new Error(`not a metric line: ${line}`);
    parsed.samples.push({ name: sample[1]!, labels: parseLabels(sample[2], line), value: parseValue(sample[3]!) });
  }
  return parsed;
}

/** Samples of `name` whose labels include every pair of `labels`. */
export function samplesOf(metrics: ParsedMetrics, name: string, labels: Record<string, string> = {}): MetricSample[] {
  return metrics.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The single sample of `name` with exactly these labels' values, or undefined when absent. */
export function metricValue(metrics: ParsedMetrics, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samplesOf(metrics, name, labels);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/** GETs `/metrics` of a server on loopback. */
export async function fetchMetrics(port: number): Promise<{ status: number; contentType: string; text: string; metrics: ParsedMetrics }> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, metrics: parseMetrics(text) };
}
