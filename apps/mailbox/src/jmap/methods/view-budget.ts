import { DEFAULT_REQUEST_BUDGET, jsonSizeWithin, type MethodContext, RequestBudget } from '@pushmail/jmap';

/**
 * The running size of a /get response built object by object, checked against what the request may
 * still answer (docs/adr/0051) after each one: past it the call stops with BudgetExceeded (the
 * request answers `urn:ietf:params:jmap:error:limit`) instead of building the rest in memory.
 */
export class ViewBudget {
  private bytes = 0;
  private readonly budget: RequestBudget;

  constructor(context: Pick<MethodContext, 'budget'>) {
    this.budget = context.budget ?? new RequestBudget(DEFAULT_REQUEST_BUDGET);
  }

  charge<T>(view: T): T {
    this.bytes += jsonSizeWithin(view, this.budget.responseBytesLeft - this.bytes + 1);
    this.budget.assertResponseFits(this.bytes);
    return view;
  }
}
