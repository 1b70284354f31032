import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { requestSignalScope } from './request-signal.js';

/** A route served on Node's own request and response, without Express or Nest. */
export interface FrameworkFreeRoute {
  matches(request: IncomingMessage): boolean;
  serve(request: IncomingMessage, response: ServerResponse): void;
}

/**
 * Serves the requests `route` matches straight from the server's `request` event, ahead of the
 * framework, in the request's signal scope as every route is (`currentRequestSignal`); every other
 * request goes to Express as before. For requests held open for long (a parked ActiveSync Ping,
 * up to an hour): Express's per-request state (its router's continuation, the parsed URL, locals,
 * the swapped prototypes) and Nest's route frames cost about 2–3 KB of heap per open request, more
 * than the route itself keeps. The route answers every request it matches, errors included.
 */
export function serveBeforeFramework(server: Server, route: FrameworkFreeRoute): void {
  const framework = server.listeners('request') as Array<
    (request: IncomingMessage, response: ServerResponse) => void
  >;
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (route.matches(request)) {
      requestSignalScope(request, response, () => route.serve(request, response));
      return;
    }
    for (const listener of framework) listener.call(server, request, response);
  });
}
