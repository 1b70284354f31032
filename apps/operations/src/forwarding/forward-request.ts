/** The parts of Express's request and response the forwarding needs. */
export interface ForwardedRequest {
  method: string;
  originalUrl: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}
export interface ForwardResponse {
  status(code: number): ForwardResponse;
  setHeader(name: string, value: string): ForwardResponse;
  send(body: Buffer): void;
}

/** A service that answers forwarded calls; `unavailable` is the error code of a 502 when it cannot be reached. */
export interface ForwardTarget {
  base: string;
  name: string;
  unavailable: string;
}

const TIMEOUT_MS = 30_000;
/** What of the service's answer reaches the console; hop-by-hop and framing headers are Node's own. */
const PASSED_HEADERS = ['content-type', 'cache-control', 'retry-after', 'location'];

/**
 * Sends an `/admin` call on to the service at `base` as it came, with the caller's own bearer, and
 * its answer back as it was; a service that cannot be reached is a 502 naming it.
 */
export async function forwardRequest(
  service: ForwardTarget,
  request: ForwardedRequest,
  response: ForwardResponse,
): Promise<void> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const authorization = request.headers['authorization'];
  if (typeof authorization === 'string') headers['authorization'] = authorization;
  const hasBody = request.body !== undefined && !['GET', 'HEAD'].includes(request.method);
  if (hasBody) headers['content-type'] = 'application/json';
  let answer: Response;
  try {
    answer = await fetch(`${service.base}${request.originalUrl}`, {
      method: request.method,
      headers,
      ...(hasBody ? { body: JSON.stringify(request.body) } : {}),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    response
      .status(502)
      .setHeader('content-type', 'application/json; charset=utf-8')
      .send(
        Buffer.from(
          JSON.stringify({
            error: service.unavailable,
            message: `${service.name} could not be asked: ${detail}`,
          }),
        ),
      );
    return;
  }
  response.status(answer.status);
  for (const name of PASSED_HEADERS) {
    const value = answer.headers.get(name);
    if (value !== null) response.setHeader(name, value);
  }
  response.send(Buffer.from(await answer.arrayBuffer()));
}
