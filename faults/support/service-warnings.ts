import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface LogLine {
  level?: number;
  time?: string | number;
  msg?: string;
  err?: { type?: string; message?: string };
}

/**
 * The warnings and errors a service logged since `since`, oldest first, repeats of one message
 * folded into a count: what a failed scenario prints so that its cause can be read from the test's
 * own output (the log files stay on the machine that ran it). At most `max` lines, the latest.
 */
export function recentWarnings(logDirectory: string, service: string, since: Date, max = 25): string[] {
  const file = join(logDirectory, `${service}.log`);
  if (!existsSync(file)) return [];
  const folded: Array<{ first: string; last: string; text: string; count: number }> = [];
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    if (!raw.startsWith('{')) continue;
    let line: LogLine;
    try {
      line = JSON.parse(raw) as LogLine;
    } catch {
      continue;
    }
    if ((line.level ?? 0) < 40 || line.time === undefined) continue;
    const at = new Date(line.time);
    if (at < since) continue;
    const text = `${line.level! >= 50 ? 'ERROR' : 'WARN'} ${line.msg ?? ''}${line.err?.message ? `: ${line.err.message}` : ''}`;
    const time = at.toISOString().slice(11, 23);
    const previous = folded[folded.length - 1];
    if (previous?.text === text) {
      previous.count += 1;
      previous.last = time;
    } else folded.push({ first: time, last: time, text: text.slice(0, 300), count: 1 });
  }
  return folded
    .slice(-max)
    .map(({ first, last, text, count }) =>
      count === 1 ? `${first} ${text}` : `${first}–${last} ${text} (×${count})`,
    );
}

/** A block of every service's recent warnings, for a failure message. */
export function warningsReport(logDirectory: string, services: readonly string[], since: Date): string {
  const blocks: string[] = [];
  for (const service of services) {
    const lines = recentWarnings(logDirectory, service, since);
    if (lines.length > 0) blocks.push(`  ${service}:\n${lines.map((line) => `    ${line}`).join('\n')}`);
  }
  return blocks.length > 0 ? blocks.join('\n') : '  (no warnings or errors logged)';
}
