import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import { CONFIG } from '@pushmail/platform';
import type { OperationsConfig } from '../config/operations-config.js';
import {
  type ForwardedRequest,
  type ForwardResponse,
  forwardRequest,
} from '../forwarding/forward-request.js';

/** The admin calls about sending (`/admin/domains/...`: DKIM keys; `/admin/queue...`) go on to outbound as they came. */
@Controller('admin')
export class OutboundForwardController {
  private readonly base: string;

  constructor(@Inject(CONFIG) config: Pick<OperationsConfig, 'OUTBOUND_URL'>) {
    this.base = config.OUTBOUND_URL.replace(/\/+$/, '');
  }

  @All(['domains/*path', 'queue', 'queue/*path'])
  forward(@Req() request: ForwardedRequest, @Res() response: ForwardResponse): Promise<void> {
    return forwardRequest(
      { base: this.base, name: 'outbound', unavailable: 'outbound_unavailable' },
      request,
      response,
    );
  }
}
