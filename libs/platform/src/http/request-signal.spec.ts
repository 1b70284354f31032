import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  currentRequestSignal,
  releaseRequestSignal,
  requestSignalScope,
  runWithRequestSignal,
} from './request-signal.js';

/** A response that closes as a socket would: finished or not. */
function response(): ServerResponse & { finish(): void; close(): void } {
  const emitter = new EventEmitter() as unknown as ServerResponse & { finish(): void; close(): void };
  Object.assign(emitter, {
    writableFinished: false,
    finish: () => Object.assign(emitter, { writableFinished: true }),
    close: () => emitter.emit('close'),
  });
  return emitter;
}

function serve(res: ServerResponse): Promise<AbortSignal | undefined> {
  return new Promise((resolve) =>
    requestSignalScope({} as IncomingMessage, res, () => {
      // What the handler sees after an await, as a route handler does.
      void Promise.resolve().then(() => resolve(currentRequestSignal()));
    }),
  );
}

describe(requestSignalScope.name, () => {
  it('runs the request inside a signal that aborts when the client goes away unanswered', async () => {
    const res = response();
    const signal = await serve(res);
    expect(signal?.aborted).toBe(false);
    res.close();
    expect(signal?.aborted).toBe(true);
    expect(currentRequestSignal()).toBeUndefined();
  });

  it('never aborts the signal of a request answered in full', async () => {
    const res = response();
    const signal = await serve(res);
    res.finish();
    res.close();
    expect(signal?.aborted).toBe(false);
  });
});

describe(releaseRequestSignal.name, () => {
  it('drops the signal and its close listener of a request that waits with nothing running', async () => {
    const res = response();
    const signals = await new Promise<Array<AbortSignal | undefined>>((resolve) =>
      requestSignalScope({} as IncomingMessage, res, () => {
        void Promise.resolve().then(() => {
          const before = currentRequestSignal();
          releaseRequestSignal();
          resolve([before, currentRequestSignal()]);
        });
      }),
    );
    expect(signals[0]).toBeInstanceOf(AbortSignal);
    expect(signals[1]).toBeUndefined();
    expect(res.listenerCount('close')).toBe(0);
    res.close();
    expect(signals[0]?.aborted).toBe(false);
  });

  it('leaves a signal given to `runWithRequestSignal` as it is', () => {
    const controller = new AbortController();
    const seen = runWithRequestSignal(controller.signal, () => {
      releaseRequestSignal();
      return currentRequestSignal();
    });
    expect(seen).toBe(controller.signal);
  });
});
