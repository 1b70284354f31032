// One message to every account before anything is timed: an account's first mail also creates its
// standard mailboxes, and the services' code gets compiled; neither belongs in the measurements.
import { buildMessage } from '../lib/messages.mjs';
import { PipelinedSmtp } from '../lib/smtp-pipeline.mjs';
import { countEmails } from '../lib/platform-probes.mjs';
import { nowMs, sleep } from '../lib/stats.mjs';

export async function warmUp({
  platform,
  db,
  addresses,
  progress,
  seqStart,
  sizeBytes = 4096,
  sessions = 8,
}) {
  const base = await countEmails(db);
  const smtp = await Promise.all(
    Array.from({ length: sessions }, () => PipelinedSmtp.open(platform.smtp.host, platform.smtp.port)),
  );
  progress.start(`warm-up: 1 message to each of ${addresses.length} accounts`, addresses.length);
  let next = 0;
  let accepted = 0;
  const lane = async (session) => {
    while (next < addresses.length) {
      const index = next++;
      const to = addresses[index];
      const reply = await session.send({
        from: 'sender@bench.example',
        to,
        data: buildMessage({ seq: seqStart + index, to, sizeBytes }),
      });
      if (reply.code !== 250) throw new Error(`warm-up message to ${to} refused: ${reply.text}`);
      accepted += 1;
    }
  };
  await Promise.all(smtp.flatMap((session) => [lane(session), lane(session)]));
  await Promise.all(smtp.map((session) => session.close()));
  const deadline = nowMs() + 120_000;
  for (;;) {
    const stored = (await countEmails(db)) - base;
    progress.update(stored, `accepted ${accepted}`);
    if (stored >= accepted) break;
    if (nowMs() > deadline)
      throw new Error(`warm-up: only ${stored} of ${accepted} messages stored after 2 minutes`);
    await sleep(200);
  }
  progress.done();
}
