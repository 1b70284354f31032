import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import type { OperationsConfig } from '../config/operations-config.js';
import {
  type ForwardedRequest,
  type ForwardResponse,
  forwardRequest,
} from '../forwarding/forward-request.js';

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
  forward(@Req() request: ForwardedRequest, @Res() response: ForwardResponse): Promise<void> {
    return forwardRequest(
      { base: this.base, name: 'device-registry', unavailable: 'registry_unavailable' },
      request,
      response,
    );
  }
}
