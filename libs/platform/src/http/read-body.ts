import type { IncomingMessage } from 'node:http';

/**
 * Reads a request body of at most `limit` bytes; resolves `undefined` as soon as it is known to be
 * bigger, without buffering the rest. The rest is read and discarded (up to a bound) rather than
 * left unread: a server that closes while the client is still sending resets the connection, and
 * the client then loses the answer that says why.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return discardRest(request, limit);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        void discardRest(request, limit).then(resolve);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
  });
}

/**
 * Drains what is left of an oversized body and resolves once it has all arrived, so the answer is
 * sent to a client that has stopped sending; past twice the limit the client is cut off instead.
 */
function discardRest(request: IncomingMessage, limit: number): Promise<undefined> {
  const bound = 2 * limit + 1024 * 1024;
  let discarded = 0;
  return new Promise((resolve) => {
    const done = () => resolve(undefined);
    request.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > bound) request.destroy();
    });
    request.once('end', done);
    request.once('close', done);
    request.once('error', done);
    request.resume();
  });
}
