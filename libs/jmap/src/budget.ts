import { requestError, type ProblemDetails } from './errors.js';

/**
 * What one JMAP request may cost beyond the bytes the client sent (docs/adr/0051). RFC 8620 bounds
 * the request (`maxSizeRequest`) but not what result references make of it: each reference to an
 * earlier result copies that result into the arguments, and a response that quotes its arguments
 * (Core/echo, a /set that echoes what it created) doubles with each call. Both are counted as they
 * grow, and a request that goes past either answers `urn:ietf:params:jmap:error:limit`.
 */
export interface RequestBudgetLimits {
  /** The JSON bytes of every method response of one request together. */
  maxSizeResponse: number;
  /** The JSON bytes of every value result references put into arguments, together. */
  maxSizeReferences: number;
}

export const DEFAULT_REQUEST_BUDGET: RequestBudgetLimits = {
  maxSizeResponse: 16_000_000,
  // What a client could have sent itself (maxSizeRequest): a reference never buys more than that.
  maxSizeReferences: 10_000_000,
};

/** A request went past its budget; `limit` names which part. */
export class BudgetExceeded extends Error {
  override readonly name = 'BudgetExceeded';

  constructor(
    readonly limit: keyof RequestBudgetLimits,
    readonly allowed: number,
  ) {
    super(
      limit === 'maxSizeResponse'
        ? `the response would be larger than maxSizeResponse (${allowed} bytes); ask for fewer objects or properties`
        : `result references would put more than maxSizeReferences (${allowed} bytes) into the arguments`,
    );
  }

  toProblem(): ProblemDetails {
    return requestError('limit', this.message, this.limit);
  }
}

/** The running cost of one request. */
export class RequestBudget {
  private responseBytes = 0;
  private referenceBytes = 0;

  constructor(readonly limits: RequestBudgetLimits = DEFAULT_REQUEST_BUDGET) {}

  /** Counts a value a result reference resolved to; throws BudgetExceeded past the budget. */
  chargeReference(value: unknown): void {
    const left = this.limits.maxSizeReferences - this.referenceBytes;
    const size = jsonSizeWithin(value, left);
    if (size > left) throw new BudgetExceeded('maxSizeReferences', this.limits.maxSizeReferences);
    this.referenceBytes += size;
  }

  /**
   * For a method that builds a big response piece by piece: throws BudgetExceeded as soon as the
   * `pendingBytes` it has built would not fit, before it builds more. Nothing is counted: the
   * response is, once it is returned.
   */
  assertResponseFits(pendingBytes: number): void {
    if (pendingBytes > this.limits.maxSizeResponse - this.responseBytes) {
      throw new BudgetExceeded('maxSizeResponse', this.limits.maxSizeResponse);
    }
  }

  /** The bytes a response may still have. */
  get responseBytesLeft(): number {
    return this.limits.maxSizeResponse - this.responseBytes;
  }

  /** Counts one method response; throws BudgetExceeded past the budget. */
  chargeResponse(response: unknown): void {
    const left = this.limits.maxSizeResponse - this.responseBytes;
    const size = jsonSizeWithin(response, left);
    if (size > left) throw new BudgetExceeded('maxSizeResponse', this.limits.maxSizeResponse);
    this.responseBytes += size;
  }
}

/**
 * The length of `JSON.stringify(value)` in UTF-8 bytes (escapes aside), or a number above `limit`
 * as soon as it is known to be bigger. Walks the value as JSON would, so a value that holds the same
 * object many times is counted as many times, but never walks more than `limit` bytes' worth:
 * its cost is bounded by the budget, not by the (possibly exponential) size of the value.
 */
export function jsonSizeWithin(value: unknown, limit: number): number {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || node === undefined) size += 4;
    else if (typeof node === 'string') size += Buffer.byteLength(node) + 2;
    else if (typeof node === 'number' || typeof node === 'boolean' || typeof node === 'bigint')
      size += String(node).length;
    else if (Array.isArray(node)) {
      size += 2 + Math.max(0, node.length - 1);
      for (let index = node.length - 1; index >= 0; index -= 1) stack.push(node[index]);
    } else if (typeof node === 'object') {
      const entries = Object.entries(node).filter(([, item]) => item !== undefined);
      size += 2 + Math.max(0, entries.length - 1);
      for (const [key, item] of entries) {
        size += Buffer.byteLength(key) + 3;
        stack.push(item);
      }
    }
    if (size > limit) return size;
  }
  return size;
}
