import { describe, expect, it } from 'vitest';
import { rejectUnreadableBody } from './configure-http.js';
import type { JsonResponse } from './json-exception.filter.js';

function recordingResponse() {
  const sent: { status?: number; body?: unknown } = {};
  const response: JsonResponse = {
    headersSent: false,
    status(code) {
      sent.status = code;
      return response;
    },
    json(body) {
      sent.body = body;
      return response;
    },
  };
  return { response, sent };
}

describe(rejectUnreadableBody.name, () => {
  it('answers 400 in JSON for a body that is not JSON', () => {
    const { response, sent } = recordingResponse();
    let passedOn: unknown = 'not called';
    rejectUnreadableBody(
      { status: 400, type: 'entity.parse.failed' },
      {},
      response,
      (error) => (passedOn = error),
    );
    expect(sent).toEqual({
      status: 400,
      body: { error: 'invalid_request', message: 'the request body is not valid JSON' },
    });
    expect(passedOn).toBe('not called');
  });

  it('answers 413 for a body over the limit', () => {
    const { response, sent } = recordingResponse();
    rejectUnreadableBody({ status: 413, type: 'entity.too.large' }, {}, response, () => undefined);
    expect(sent.status).toBe(413);
    expect(sent.body).toMatchObject({ error: 'payload_too_large' });
  });

  it('passes on errors that are not about the request body', () => {
    const { response, sent } = recordingResponse();
    const failure = new Error('boom');
    let passedOn: unknown;
    rejectUnreadableBody(failure, {}, response, (error) => (passedOn = error));
    expect(passedOn).toBe(failure);
    expect(sent).toEqual({});
  });
});
