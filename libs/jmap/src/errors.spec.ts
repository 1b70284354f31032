import { describe, expect, it } from 'vitest';
import {
  LIMIT_ERROR,
  methodErrorResponse,
  NOT_JSON_ERROR,
  NOT_REQUEST_ERROR,
  requestError,
  requestErrorName,
  UNKNOWN_CAPABILITY_ERROR,
} from './errors.js';

/**
 * Services and tests name request-level problem types through these constants, so their URNs are
 * pinned here, once, as RFC 8620 §3.6.1 spells them and clients match them.
 */
describe('JMAP request-level error URNs', () => {
  it('are the URNs of RFC 8620 §3.6.1', () => {
    expect({ UNKNOWN_CAPABILITY_ERROR, NOT_JSON_ERROR, NOT_REQUEST_ERROR, LIMIT_ERROR }).toEqual({
      UNKNOWN_CAPABILITY_ERROR: 'urn:ietf:params:jmap:error:unknownCapability',
      NOT_JSON_ERROR: 'urn:ietf:params:jmap:error:notJSON',
      NOT_REQUEST_ERROR: 'urn:ietf:params:jmap:error:notRequest',
      LIMIT_ERROR: 'urn:ietf:params:jmap:error:limit',
    });
  });

  it('gives requestError the URN of its type', () => {
    expect(requestError('limit', 'too many', 'maxCallsInRequest')).toEqual({
      type: 'urn:ietf:params:jmap:error:limit',
      status: 400,
      detail: 'too many',
      limit: 'maxCallsInRequest',
    });
  });

  it('names a problem type by what follows the prefix, and leaves other strings as they are', () => {
    expect(requestErrorName(LIMIT_ERROR)).toBe('limit');
    expect(requestErrorName('urn:example:other')).toBe('urn:example:other');
  });
});

describe(methodErrorResponse.name, () => {
  it('answers the call with an error invocation carrying the type, the description and any extra', () => {
    expect(methodErrorResponse('stateMismatch', 'policy changed', 'c1', { current: 3 })).toEqual([
      'error',
      { type: 'stateMismatch', description: 'policy changed', current: 3 },
      'c1',
    ]);
  });
});
