import { BudgetExceeded, RequestBudget } from '@pushmail/jmap';
import { describe, expect, it } from 'vitest';
import { ViewBudget } from './view-budget.js';

describe(ViewBudget.name, () => {
  it('stops at the first view that would take the response past what the request may still answer', () => {
    const budget = new RequestBudget({ maxSizeResponse: 1000, maxSizeReferences: 1000 });
    budget.chargeResponse({ earlier: 'x'.repeat(300) });
    const views = new ViewBudget({ budget });
    const built: unknown[] = [];
    const build = (index: number) => ({ index, value: 'y'.repeat(200) });
    expect(() => {
      for (let index = 0; index < 100; index += 1) built.push(views.charge(build(index)));
    }).toThrow(BudgetExceeded);
    // 700 bytes were left: three views of about 220 bytes fit, the fourth does not, none is built after it.
    expect(built).toHaveLength(3);
  });
});
