import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerResponse } from 'node:http';
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';

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
 */
@Injectable()
export class RequestSignalInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const response = context.switchToHttp().getResponse<ServerResponse>();
    const controller = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) controller.abort(new Error('the client closed the request'));
    });
    // handle() binds the handler to the async context it is called in, so the handler runs inside.
    return scope.run(controller.signal, () => next.handle());
  }
}
