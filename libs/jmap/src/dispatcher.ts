import { BudgetExceeded, RequestBudget, type RequestBudgetLimits } from './budget.js';
import { capabilityOfMethod } from './capabilities.js';
import { MethodError, methodErrorResponse, RequestProblem } from './errors.js';
import type { Invocation, JmapRequest } from './request.js';
import { resolveResultReferences } from './result-reference.js';

export interface MethodContext {
  /** The account the caller is authenticated for; a method must never reach another. */
  accountId: string;
  /** Ids created earlier in this request, by creation id (RFC 8620 §3.3 createdIds). */
  createdIds: Map<string, string>;
  /**
   * Responses of implicit calls a method made (EmailSubmission/set's onSuccessUpdateEmail is an
   * implicit Email/set, RFC 8621 §7.5): they follow the method's own response, with its call id.
   */
  followUps?: Array<[name: string, args: Record<string, unknown>]>;
  /** What the request may still cost: a method that builds a big response checks it as it goes. */
  budget?: RequestBudget;
}

export type MethodHandler = (
  args: Record<string, unknown>,
  context: MethodContext,
) => Promise<Record<string, unknown>>;

export interface MethodRegistry {
  get(name: string): MethodHandler | undefined;
}

export interface DispatchHooks {
  /** Called with each failure that was not a MethodError, i.e. a bug or an outage. */
  onUnexpectedError?: (method: string, error: unknown) => void;
  /** A policy that may refuse a call before it runs (e.g. `forbidden`); undefined lets it run. */
  authorize?: (method: string, args: Record<string, unknown>) => MethodError | undefined;
  /** What the request may cost beyond its own bytes; DEFAULT_REQUEST_BUDGET unless given. */
  budget?: RequestBudgetLimits;
  /** Aborted when the caller has gone: the calls not yet run are not started. */
  signal?: AbortSignal;
}

const READ_ONLY = /\/(get|query|queryChanges|changes|parse)$|^Core\/echo$/;

/** Whether a method only reads; any other may have changed data by the time it answers. */
export function isReadOnlyMethod(name: string): boolean {
  return READ_ONLY.test(name);
}

/**
 * Runs a request's method calls in order (RFC 8620 §3.3): result references are resolved against
 * earlier responses, an unknown method or a failing call answers an error for that call alone.
 *
 * The request's budget (docs/adr/0051) is counted as it runs. Past it, while nothing has been
 * written, the whole request is refused: RequestProblem with `urn:ietf:params:jmap:error:limit`, as
 * RFC 8620 §3.6.1 describes a request not processed. Once a call that writes has run, its answer
 * must reach the client, so the call that went past the budget and every later one answer the
 * method error `requestTooLarge` instead.
 */
export async function dispatchRequest(
  request: JmapRequest,
  accountId: string,
  methods: MethodRegistry,
  hooks: DispatchHooks = {},
): Promise<{ methodResponses: Invocation[]; createdIds?: Record<string, string> }> {
  const responses: Invocation[] = [];
  const context: MethodContext = { accountId, createdIds: new Map(Object.entries(request.createdIds ?? {})) };
  const budget = new RequestBudget(hooks.budget);
  context.budget = budget;
  let written = false;
  let exceeded: BudgetExceeded | undefined;
  for (const [name, rawArgs, callId] of request.methodCalls) {
    if (exceeded || hooks.signal?.aborted) {
      responses.push(
        exceeded
          ? methodErrorResponse('requestTooLarge', exceeded.message, callId)
          : methodErrorResponse('serverFail', 'the request ended before this call ran', callId),
      );
      continue;
    }
    const handler = methods.get(name);
    if (!handler) {
      responses.push(methodErrorResponse('unknownMethod', `unknown method ${name.slice(0, 100)}`, callId));
      continue;
    }
    const capability = capabilityOfMethod(name);
    if (capability !== undefined && !request.using.includes(capability)) {
      responses.push(
        methodErrorResponse('unknownMethod', `${name} needs "${capability}" in "using"`, callId),
      );
      continue;
    }
    try {
      const args = resolveResultReferences(rawArgs, responses, budget);
      if ('accountId' in args && args['accountId'] !== accountId && name !== 'Core/echo') {
        throw new MethodError('accountNotFound', 'no such account for these credentials');
      }
      const refusal = hooks.authorize?.(name, args);
      if (refusal) throw refusal;
      if (!isReadOnlyMethod(name)) written = true;
      const followUps: NonNullable<MethodContext['followUps']> = [];
      context.followUps = followUps;
      const response = await handler(args, context);
      budget.chargeResponse(response);
      responses.push([name, response, callId]);
      for (const [followUp, followUpArgs] of followUps) {
        budget.chargeResponse(followUpArgs);
        responses.push([followUp, followUpArgs, callId]);
      }
    } catch (error) {
      if (error instanceof BudgetExceeded) {
        if (!written) throw new RequestProblem(error.toProblem());
        exceeded = error;
        responses.push(methodErrorResponse('requestTooLarge', error.message, callId));
      } else if (error instanceof MethodError) {
        responses.push(['error', error.toResponseArguments(), callId]);
      } else {
        hooks.onUnexpectedError?.(name, error);
        responses.push(methodErrorResponse('serverFail', 'the server could not complete this call', callId));
      }
    }
  }
  return {
    methodResponses: responses,
    ...(request.createdIds ? { createdIds: Object.fromEntries(context.createdIds) } : {}),
  };
}
