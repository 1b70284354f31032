import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a request's scope holds: its signal, or none once the request let it go. */
interface SignalScope {
  readonly signal: AbortSignal | undefined;
}

const scope = new AsyncLocalStorage<SignalScope>();

/**
 * The signal of the request being served, aborted when its client goes away before the answer is
 * sent. Whatever the request started that is still running then (a database statement, a call to
 * another service) is cancelled through it; undefined outside a request (a Kafka handler, a timer)
 * and in a request that let it go (`releaseRequestSignal`).
 */
export function currentRequestSignal(): AbortSignal | undefined {
  return scope.getStore()?.signal;
}

/** Runs `work` as part of a request that ends when `signal` aborts (a WebSocket message, a test). */
export function runWithRequestSignal<T>(signal: AbortSignal, work: () => T): T {
  return scope.run({ signal }, work);
}

/**
 * An HTTP request's signal with the response's close listener that aborts it: one object, so that
 * a request that waits long with nothing running (a parked ActiveSync Ping) can let both go.
 */
class HttpRequestScope implements SignalScope {
  private controller: AbortController | undefined = new AbortController();

  constructor(private readonly response: ServerResponse) {
    response.on('close', this.closed);
  }

  get signal(): AbortSignal | undefined {
    return this.controller?.signal;
  }

  release(): void {
    this.response.off('close', this.closed);
    this.controller = undefined;
  }

  private readonly closed = (): void => {
    this.response.off('close', this.closed);
    if (!this.response.writableFinished) this.controller?.abort(new Error('the client closed the request'));
  };
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
  scope.run(new HttpRequestScope(response), next);
}

/**
 * Lets the current HTTP request's signal go, for a request that now waits with nothing of its own
 * running and is answered from elsewhere (a parked ActiveSync Ping, answered by a change, its
 * heartbeat or its connection's close): its `AbortController` and close listener would otherwise be
 * held for as long as it waits. From then on the request's scope has no signal; nothing is aborted.
 */
export function releaseRequestSignal(): void {
  const current = scope.getStore();
  if (current instanceof HttpRequestScope) current.release();
}
