import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';

const scope = new AsyncLocalStorage<AbortSignal>();

/**
 * The signal of the request being served, aborted when its client goes away before the answer is
 * sent. Whatever the request started that is still running then (a database statement, a call to
 * another service) is cancelled through it; undefined outside a request (a Kafka handler, a timer).
 */
export function currentRequestSignal(): AbortSignal | undefined {
  return scope.getStore();
}

/** Runs `work` as part of a request that ends when `signal` aborts (a WebSocket message, a test). */
export function runWithRequestSignal<T>(signal: AbortSignal, work: () => T): T {
  return scope.run(signal, work);
}

/**
 * Gives every HTTP request its signal: aborted when the connection closes before the response has
 * been sent in full (the client gave up, or its caller timed out), never after a complete answer.
 * An Express middleware rather than a Nest interceptor: a route with any interceptor gets a chain of
 * observables, subjects and subscribers for every request, held for as long as the request is open
 * (a parked ActiveSync Ping for up to an hour). Installed after the body parser, whose callbacks do
 * not run in the request's async context, so that the handler runs inside.
 */
export function requestSignalScope(
  _request: IncomingMessage,
  response: ServerResponse,
  next: () => void,
): void {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort(new Error('the client closed the request'));
  });
  scope.run(controller.signal, next);
}
