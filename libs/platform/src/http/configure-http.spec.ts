import { describe, expect, it } from 'vitest';
import { type BodyErrorResponse, describeBodyError, rejectUnreadableBody } from './configure-http.js';

function recordingResponse() {
  const sent: { status?: number; body?: unknown; contentType?: string } = {};
  const response: BodyErrorResponse = {
    headersSent: false,
    status(code) {
      sent.status = code;
      return response;
    },
    setHeader(_name, value) {
      sent.contentType = value;
    },
    json(body) {
      sent.body = body;
    },
  };
  return { response, sent };
}

describe(rejectUnreadableBody.name, () => {
  const reject = rejectUnreadableBody(describeBodyError(64 * 1024));

  it('answers 400 in JSON for a body that is not JSON', () => {
    const { response, sent } = recordingResponse();
    let passedOn: unknown = 'not called';
    reject({ status: 400, type: 'entity.parse.failed' }, {}, response, (error) => (passedOn = error));
    expect(sent).toEqual({
      status: 400,
      body: { error: 'invalid_request', message: 'the request body is not valid JSON' },
    });
    expect(passedOn).toBe('not called');
  });

  it('answers 413 for a body over the limit, naming the limit', () => {
    const { response, sent } = recordingResponse();
    reject({ status: 413, type: 'entity.too.large' }, {}, response, () => undefined);
    expect(sent.status).toBe(413);
    expect(sent.body).toEqual({
      error: 'payload_too_large',
      message: 'the request body is larger than 64kb',
    });
  });

  it('answers with the service’s own description and content type when it has one', () => {
    const { response, sent } = recordingResponse();
    const own = rejectUnreadableBody((status, type) => ({
      status,
      body: { type: `problem:${type}` },
      contentType: 'application/problem+json',
    }));
    own({ status: 400, type: 'entity.parse.failed' }, {}, response, () => undefined);
    expect(sent).toEqual({
      status: 400,
      body: { type: 'problem:entity.parse.failed' },
      contentType: 'application/problem+json',
    });
  });

  it('passes on errors that are not about the request body', () => {
    const { response, sent } = recordingResponse();
    const failure = new Error('boom');
    let passedOn: unknown;
    reject(failure, {}, response, (error) => (passedOn = error));
    expect(passedOn).toBe(failure);
    expect(sent).toEqual({});
  });
});
