export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** One scrape of a service's /metrics, in the Prometheus text format. */
export class ScrapedMetrics {
  constructor(readonly samples: readonly MetricSample[]) {}

  /** Samples of `name` whose labels include `labels`. */
  matching(name: string, labels: Record<string, string> = {}): MetricSample[] {
    return this.samples.filter(
      (sample) =>
        sample.name === name &&
        Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
    );
  }

  /** The sum of the matching samples; undefined when there is none, so absence and zero differ. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const found = this.matching(name, labels);
    return found.length === 0 ? undefined : found.reduce((total, sample) => total + sample.value, 0);
  }
}

export async function scrapeMetrics(baseUrl: string): Promise<ScrapedMetrics> {
  const response = await fetch(`${baseUrl.replace(/\/+$/, '')}/metrics`, {
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`${baseUrl}/metrics answered HTTP ${response.status}`);
  return new ScrapedMetrics(parseExposition(await response.text()));
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = sampleLine.exec(line.trim());
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, label, value] of (match[2] ?? '').matchAll(labelPair)) {
      labels[label!] = value!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}
