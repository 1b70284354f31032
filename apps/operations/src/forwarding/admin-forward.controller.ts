import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import type { OperationsConfig } from '../config/operations-config.js';
import {
  type ForwardedRequest,
  type ForwardResponse,
  forwardRequest,
  type ForwardTarget,
} from './forward-request.js';

/**
 * The console is served from here and speaks to one origin: every `/admin` call that operations
 * does not answer itself goes on, as it came and with the caller's own bearer, to the service that
 * answers it, and its answer comes back as it was. Express matches routes in the order Nest
 * registers them: the calls about sending first, then everything else to device-registry.
 */
@Controller('admin')
export class AdminForwardController {
  private readonly outbound: ForwardTarget;
  private readonly registry: ForwardTarget;

  constructor(@Inject(CONFIG) config: Pick<OperationsConfig, 'OUTBOUND_URL' | 'REGISTRY_URL'>) {
    this.outbound = {
      base: baseOf(config.OUTBOUND_URL),
      name: 'outbound',
      unavailable: 'outbound_unavailable',
    };
    this.registry = {
      base: baseOf(config.REGISTRY_URL),
      name: 'device-registry',
      unavailable: 'registry_unavailable',
    };
  }

  /** DKIM keys (`/admin/domains/...`) and the queue go to outbound. */
  @All(['domains/*path', 'queue', 'queue/*path'])
  forwardToOutbound(@Req() request: ForwardedRequest, @Res() response: ForwardResponse): Promise<void> {
    return forwardRequest(this.outbound, request, response);
  }

  /** Accounts, devices, access, policies, wipes, settings and its OpenAPI document go to device-registry. */
  @All('*path')
  forwardToRegistry(@Req() request: ForwardedRequest, @Res() response: ForwardResponse): Promise<void> {
    return forwardRequest(this.registry, request, response);
  }
}

function baseOf(url: string): string {
  return url.replace(/\/+$/, '');
}
