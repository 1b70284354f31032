// Summarises V8 .cpuprofile files (from --cpu-prof): self time by function and by package.
import { readFileSync } from 'node:fs';

function whereOf(url) {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (module) return module[1];
  if (path.startsWith('node:')) return 'node:internal';
  const app = /(dist\/apps\/[^/]+|libs\/[^/]+)\//.exec(path);
  return app ? app[1] : path;
}

function shortUrl(url) {
  const path = (url ?? '').replace(/^file:\/\//, '');
  const module = path.lastIndexOf('node_modules/');
  if (module >= 0) return path.slice(module + 'node_modules/'.length);
  const app = /(dist\/apps\/.*|libs\/.*)$/.exec(path);
  return app ? app[1] : path;
}

/**
 * `window` ({ fromMs, toMs } on the monotonic clock of process.hrtime, which V8's profiler also
 * uses) keeps only the samples taken within it, e.g. the ingest run without the process's start.
 */
export function summarizeProfile(file, { top = 15, window } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map();
  const from = window ? window.fromMs * 1000 : -Infinity;
  const to = window ? window.toMs * 1000 : Infinity;
  let at = profile.startTime;
  for (let index = 0; index < profile.samples.length; index += 1) {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (at < from || at > to) continue;
    const id = profile.samples[index];
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  }
  const byFunction = new Map();
  const byPackage = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)?.callFrame ?? {};
    const name = frame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += micros;
      continue;
    }
    total += micros;
    const key = `${name} ${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    const pkg = name.startsWith('(') ? name : whereOf(frame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  }
  const rank = (map) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({
        name,
        ms: Math.round(micros / 1000),
        percent: Math.round((micros / total) * 1000) / 10,
      }));
  return {
    windowed: Boolean(window),
    busyMs: Math.round(total / 1000),
    idleMs: Math.round(idle / 1000),
    topFunctions: rank(byFunction),
    topPackages: rank(byPackage),
  };
}
