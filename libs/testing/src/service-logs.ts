import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ServiceName } from './platform-harness.js';

/** Each service's output: to a file per service, to a callback per line, and the last lines kept. */
export function serviceLogs(options: {
  logDirectory?: string | undefined;
  onLogLine?: ((service: ServiceName, line: string) => void) | undefined;
}) {
  const files = new Map<ServiceName, WriteStream>();
  const tails = new Map<ServiceName, string[]>();
  if (options.logDirectory) mkdirSync(options.logDirectory, { recursive: true });
  return {
    /** Writes what the service prints on `streams` to its log file and keeps its last lines. */
    follow(service: ServiceName, ...streams: Readable[]): void {
      let file = files.get(service);
      if (!file && options.logDirectory) {
        file = createWriteStream(join(options.logDirectory, `${service}.log`), { flags: 'a' });
        files.set(service, file);
      }
      const tail: string[] = [];
      tails.set(service, tail);
      for (const stream of streams) {
        stream.on('data', (chunk: Buffer | string) => {
          const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
          file?.write(text);
          for (const line of text.split('\n')) {
            if (line.length === 0) continue;
            tail.push(line);
            if (tail.length > 40) tail.shift();
            options.onLogLine?.(service, line);
          }
        });
        stream.on('error', () => undefined);
      }
    },
    recent(service: ServiceName): string {
      return (tails.get(service) ?? []).join('\n');
    },
    close(): void {
      for (const file of files.values()) file.end();
      files.clear();
    },
  };
}
