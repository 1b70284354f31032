import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaMetrics } from '@pushmail/platform';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RegistryMetrics } from '../../apps/device-registry/src/metrics/registry-metrics.js';
import { IngestMetrics } from '../../apps/ingest/src/metrics/ingest-metrics.js';
import { MailboxMetrics } from '../../apps/mailbox/src/metrics/mailbox-metrics.js';
import { ActiveSyncMetrics } from '../../apps/activesync/src/metrics/activesync-metrics.js';
import { PushMetrics } from '../../apps/push-delivery/src/metrics/push-metrics.js';
import { repositoryRoot } from './kustomize.js';

interface Target {
  expr: string;
  refId: string;
  datasource?: { uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid?: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string }[] };
}

const dashboardFile = join(repositoryRoot, 'k8s/overlays/production/grafana/push-path.json');
const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as Dashboard;
const graphs = dashboard.panels.filter((panel) => panel.type !== 'row');

/** Labels the scrape adds to every series (Kubernetes service discovery), not the services. */
const targetLabels = new Set(['namespace', 'pod', 'job', 'instance']);

/**
 * Every series the services expose, with the labels each carries: the metric classes are
 * built on a registry of their own, exactly as the services build them on the default one.
 */
function exposedSeries(): Map<string, Set<string>> {
  const registry = new Registry();
  new IngestMetrics(registry);
  new MailboxMetrics(registry);
  new PushMetrics(registry);
  new RegistryMetrics(registry);
  new ActiveSyncMetrics(registry);
  new KafkaMetrics(registry);
  const series = new Map<string, Set<string>>();
  for (const metric of registry.getMetricsAsArray()) {
    // prom-client keeps a metric's label names on the metric; its typings leave them out.
    const labels = new Set((metric as unknown as { labelNames: string[] }).labelNames);
    if (metric instanceof Histogram) {
      series.set(`${metric.name}_bucket`, new Set([...labels, 'le']));
      series.set(`${metric.name}_sum`, labels);
      series.set(`${metric.name}_count`, labels);
    } else {
      series.set(metric.name, labels);
    }
  }
  return series;
}

const grouping = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;
const selector = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g;
const matcherLabel = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g;
const keywords = new Set([
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords or labels. */
function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(grouping, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  const names: string[] = [];
  // Not the unit of a duration (`5m`) or the exponent of a number.
  for (const match of bare.matchAll(/(?<![\w:.])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const [word] = match;
    const after = bare.slice(match.index + word.length);
    if (/^\s*\(/.test(after) || keywords.has(word.toLowerCase())) continue;
    if (!names.includes(word)) names.push(word);
  }
  return names;
}

/** Label names an expression selects on or groups by, per metric name (`*` for a grouping). */
function labelsIn(expr: string): { metric: string; label: string }[] {
  const found: { metric: string; label: string }[] = [];
  for (const [, metric, matchers] of expr.matchAll(selector)) {
    for (const [, label] of matchers!.matchAll(matcherLabel)) found.push({ metric: metric!, label: label! });
  }
  for (const [, labels] of expr.matchAll(grouping)) {
    for (const label of labels!
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean))
      found.push({ metric: '*', label });
  }
  return found;
}

describe('the push-path Grafana dashboard', () => {
  it('reads metric names out of PromQL, leaving functions, keywords, labels and ranges aside', () => {
    expect(
      metricNamesIn(
        'sum by (topic, le) (rate(a_total{x=~"$v", y="by (z)"}[$__rate_interval])) / on (pod) group_left b + c_bucket offset 5m > bool 0.5',
      ),
    ).toEqual(['a_total', 'b', 'c_bucket']);
  });

  it('queries only series the services register, with labels those series have', () => {
    const series = exposedSeries();
    const problems: string[] = [];
    for (const panel of graphs) {
      for (const { expr } of panel.targets ?? []) {
        const names = metricNamesIn(expr);
        for (const name of names) {
          if (!series.has(name)) problems.push(`${panel.title}: ${name} is not a series any service exposes`);
        }
        const known = (name: string) => series.get(name) ?? new Set<string>();
        for (const { metric, label } of labelsIn(expr)) {
          if (targetLabels.has(label)) continue;
          const owners = metric === '*' ? names : [metric];
          if (!owners.some((owner) => known(owner).has(label)))
            problems.push(
              `${panel.title}: ${metric === '*' ? names.join(', ') : metric} has no label ${label}`,
            );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('has a query in every panel, each on the data source chosen on the dashboard', () => {
    expect(dashboard.templating.list.find((variable) => variable.name === 'datasource')?.type).toBe(
      'datasource',
    );
    for (const panel of graphs) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      for (const target of panel.targets ?? []) {
        expect(target.expr.trim().length, panel.title).toBeGreaterThan(0);
        expect(metricNamesIn(target.expr).length, `${panel.title} ${target.refId}`).toBeGreaterThan(0);
      }
    }
  });

  it('gives every panel an id of its own and a place on the grid no other panel covers', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const overlaps: string[] = [];
    dashboard.panels.forEach((a, index) => {
      expect(a.gridPos.x + a.gridPos.w, a.title).toBeLessThanOrEqual(24);
      for (const b of dashboard.panels.slice(index + 1)) {
        const apart =
          a.gridPos.x + a.gridPos.w <= b.gridPos.x ||
          b.gridPos.x + b.gridPos.w <= a.gridPos.x ||
          a.gridPos.y + a.gridPos.h <= b.gridPos.y ||
          b.gridPos.y + b.gridPos.h <= a.gridPos.y;
        if (!apart) overlaps.push(`${a.title} / ${b.title}`);
      }
    });
    expect(overlaps).toEqual([]);
  });
});
