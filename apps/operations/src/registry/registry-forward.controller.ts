import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import type { OperationsConfig } from '../config/operations-config.js';

/** The parts of Express's request and response the forwarding needs. */
interface ForwardedRequest {
  method: string;
  originalUrl: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}
interface ForwardResponse {
  status(code: number): ForwardResponse;
  setHeader(name: string, value: string): ForwardResponse;
  send(body: Buffer): void;
}

const TIMEOUT_MS = 30_000;
/** What of the registry's answer reaches the console; hop-by-hop and framing headers are Node's own. */
const PASSED_HEADERS = ['content-type', 'cache-control', 'retry-after', 'location'];

/**
 * The console is served from here and speaks to one origin: every `/admin` call that operations
 * does not answer itself (accounts, devices, access, policies, wipes, settings, the OpenAPI
 * document) goes on to device-registry as it came, with the caller's own bearer, and its answer
 * comes back as it was. Registered last, so operations' own `/admin` routes are matched first.
 */
@Controller('admin')
export class RegistryForwardController {
  private readonly base: string;

  constructor(@Inject(CONFIG) config: Pick<OperationsConfig, 'REGISTRY_URL'>) {
    this.base = config.REGISTRY_URL.replace(/\/+$/, '');
  }

  @All('*path')
  async forward(@Req() request: ForwardedRequest, @Res() response: ForwardResponse): Promise<void> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const authorization = request.headers['authorization'];
    if (typeof authorization === 'string') headers['authorization'] = authorization;
    const hasBody = request.body !== undefined && !['GET', 'HEAD'].includes(request.method);
    if (hasBody) headers['content-type'] = 'application/json';
    let answer: Response;
    try {
      answer = await fetch(`${this.base}${request.originalUrl}`, {
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
              error: 'registry_unavailable',
              message: `device-registry could not be asked: ${detail}`,
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
}
