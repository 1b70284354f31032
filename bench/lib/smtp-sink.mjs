// The remote MX host of the outbound scenario: an SMTP server in the bench process that accepts
// every message, and notes when each one's DATA ended (on the bench's clock) and under which
// sequence number (read from the subject), so a submission can be timed to its arrival.
import { SMTPServer } from 'smtp-server';

import { seqOfSubject } from './messages.mjs';
import { nowMs } from './stats.mjs';

const SUBJECT_LINE = /^Subject: (.*)$/im;

/**
 * Listens on 127.0.0.1:`port` (0: a free one). `arrivals` maps a sequence number to the times its
 * copies arrived; `onArrival(seq, at)` is called for each; `unknown` counts messages without one.
 */
export async function startSmtpSink({ port = 0 } = {}) {
  const sink = { arrivals: new Map(), unknown: 0, onArrival: null, port: 0, close: null };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 50 * 1024 * 1024,
    onData(stream, _session, callback) {
      // Only the header is needed to find the subject; the body is read and dropped.
      let head = '';
      stream.on('data', (chunk) => {
        if (head.length < 8192) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        const at = nowMs();
        const subject = SUBJECT_LINE.exec(head.split(/\r?\n\r?\n/, 1)[0] ?? '')?.[1]?.trim();
        const seq = seqOfSubject(subject);
        if (seq === null) sink.unknown += 1;
        else {
          const times = sink.arrivals.get(seq) ?? [];
          times.push(at);
          sink.arrivals.set(seq, times);
          sink.onArrival?.(seq, at);
        }
        callback();
      });
    },
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  sink.port = server.server.address().port;
  sink.close = () => new Promise((resolve) => server.close(() => resolve()));
  return sink;
}
