import { describe, expect, it } from 'vitest';
import { decideAccess, patternMatches, type RuleForDecision } from './access-decision.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
const rule = (
  overrides: Partial<RuleForDecision> & Pick<RuleForDecision, 'id' | 'pattern'>,
): RuleForDecision => ({
  matchField: 'model',
  access: 'blocked',
  createdAt: at(0),
  ...overrides,
});
const phone = { deviceType: 'iPhone', model: 'iPhone 17 Pro' };

describe(decideAccess.name, () => {
  it('falls back to the organisation default and says so', () => {
    expect(decideAccess(phone, null, [], 'quarantined')).toEqual({
      level: 'quarantined',
      source: 'default',
      ruleId: null,
      rule: 'organisation default: quarantined',
    });
  });

  it('lets an exemption win over every rule and the default', () => {
    const rules = [rule({ id: 'r1', pattern: 'iPhone 17 Pro' })];
    const decision = decideAccess(phone, { access: 'allowed' }, rules, 'blocked');
    expect(decision).toMatchObject({ level: 'allowed', source: 'exemption', ruleId: null });
    expect(decision.rule).toMatch(/always allowed/);
  });

  it('prefers a model rule to a device type rule', () => {
    const rules = [
      rule({ id: 'type', matchField: 'deviceType', pattern: 'iphone', access: 'blocked' }),
      rule({ id: 'model', matchField: 'model', pattern: 'iPhone 17*', access: 'quarantined' }),
    ];
    expect(decideAccess(phone, null, rules, 'allowed')).toMatchObject({
      level: 'quarantined',
      ruleId: 'model',
    });
    expect(decideAccess({ ...phone, model: 'iPhone 12' }, null, rules, 'allowed')).toMatchObject({
      level: 'blocked',
      ruleId: 'type',
    });
  });

  it('picks the most literal pattern, then the stricter level, then the older rule', () => {
    const broad = rule({ id: 'broad', pattern: 'iPhone*', access: 'allowed' });
    const narrow = rule({ id: 'narrow', pattern: 'iPhone 17*', access: 'allowed' });
    expect(decideAccess(phone, null, [broad, narrow], 'blocked').ruleId).toBe('narrow');

    const lenient = rule({ id: 'lenient', pattern: '*Pro', access: 'allowed' });
    const strict = rule({ id: 'strict', pattern: '*pro', access: 'blocked', createdAt: at(5) });
    expect(decideAccess(phone, null, [lenient, strict], 'allowed').ruleId).toBe('strict');

    const older = rule({ id: 'b-older', pattern: '*Pro', createdAt: at(1) });
    const newer = rule({ id: 'a-newer', pattern: '*PRO', createdAt: at(2) });
    expect(decideAccess(phone, null, [newer, older], 'allowed').ruleId).toBe('b-older');
  });

  it('names the rule that decided', () => {
    const decision = decideAccess(phone, null, [rule({ id: 'r9', pattern: 'iphone 17 pro' })], 'allowed');
    expect(decision.rule).toBe('rule r9: model matches "iphone 17 pro" -> blocked');
  });
});

describe(patternMatches.name, () => {
  it('matches whole values, ignoring case, with * as a wildcard', () => {
    expect(patternMatches('Pixel*', 'pixel 10')).toBe(true);
    expect(patternMatches('Pixel', 'Pixel 10')).toBe(false);
    expect(patternMatches('*', '')).toBe(true);
    expect(patternMatches('a*c', 'abbbc')).toBe(true);
    expect(patternMatches('a*c', 'abbbd')).toBe(false);
  });

  it('treats regular expression characters literally', () => {
    expect(patternMatches('Model (X).1', 'model (x).1')).toBe(true);
    expect(patternMatches('Model (X).1', 'Model (X)a1')).toBe(false);
    expect(patternMatches('a+b', 'aab')).toBe(false);
  });
});
