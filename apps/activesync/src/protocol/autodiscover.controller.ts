import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { CONFIG, readBody } from '@pushmail/platform';
import type { ActiveSyncConfig } from '../config/activesync-config.js';

const REQUEST_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006';
const RESPONSE_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';
const MAX_REQUEST_BYTES = 16 * 1024;

/**
 * Autodiscover (plain old XML, [MS-ASAB]): a phone that knows only the address asks where to
 * sync. The answer is the same for every address, so it needs no sign-in and tells nothing about
 * which accounts exist; the address is only echoed back.
 */
@Controller()
export class AutodiscoverController {
  constructor(@Inject(CONFIG) private readonly config: ActiveSyncConfig) {}

  @Post('autodiscover/autodiscover.xml')
  async discover(@Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    const body = await readBody(request, MAX_REQUEST_BYTES);
    if (!body) return send(response, 413, errorDocument('600', 'Invalid Request'));
    const xml = body.toString('utf8');
    const address = /<EMailAddress>\s*([^<\s]{3,320})\s*<\/EMailAddress>/i.exec(xml)?.[1];
    const schema = /<AcceptableResponseSchema>\s*([^<\s]+)\s*<\/AcceptableResponseSchema>/i.exec(xml)?.[1];
    if (!address || !/^[^\s@]+@[^\s@]+$/.test(address))
      return send(response, 400, errorDocument('600', 'Invalid Request'));
    if (schema !== undefined && schema !== RESPONSE_SCHEMA) {
      return send(response, 200, errorDocument('601', 'Provider is not available'));
    }
    const url = `${this.config.ACTIVESYNC_PUBLIC_URL}/Microsoft-Server-ActiveSync`;
    return send(
      response,
      200,
      `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="${RESPONSE_SCHEMA}">
    <Culture>en:us</Culture>
    <User>
      <DisplayName>${escapeXml(address)}</DisplayName>
      <EMailAddress>${escapeXml(address)}</EMailAddress>
    </User>
    <Action>
      <Settings>
        <Server>
          <Type>MobileSync</Type>
          <Url>${escapeXml(url)}</Url>
          <Name>${escapeXml(url)}</Name>
        </Server>
      </Settings>
    </Action>
  </Response>
</Autodiscover>
`,
    );
  }
}

/** Whether a request body is an Autodiscover request of the mobile schema; for tests and logs. */
export const AUTODISCOVER_REQUEST_SCHEMA = REQUEST_SCHEMA;

function errorDocument(code: string, message: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="${RESPONSE_SCHEMA}">
    <Culture>en:us</Culture>
    <Action>
      <Error>
        <Status>2</Status>
        <Message>${message}</Message>
        <DebugData>${code}</DebugData>
      </Error>
    </Action>
  </Response>
</Autodiscover>
`;
}

function send(response: ServerResponse, status: number, xml: string): void {
  const bytes = Buffer.from(xml, 'utf8');
  response.statusCode = status;
  response.setHeader('Content-Type', 'text/xml; charset=utf-8');
  response.setHeader('Content-Length', bytes.length);
  response.end(bytes);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
