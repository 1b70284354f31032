import type { DeviceAccessLevel } from '@pushmail/contracts';
import type { AccessSource } from '../devices/entities/device.entity.js';
import type { AccessRuleField } from './entities/access-rule.entity.js';
import type { ExemptionAccess } from './entities/device-exemption.entity.js';

export interface RuleForDecision {
  id: string;
  matchField: AccessRuleField;
  pattern: string;
  access: DeviceAccessLevel;
  createdAt: Date;
}

export interface AccessDecision {
  level: DeviceAccessLevel;
  source: AccessSource;
  ruleId: string | null;
  /** Which rule decided, worded for the administrator and the person holding the device. */
  rule: string;
}

export interface DeviceForDecision {
  deviceType: string;
  model: string;
}

const SEVERITY: Record<DeviceAccessLevel, number> = { allowed: 0, quarantined: 1, blocked: 2 };

/**
 * Access for one device: a per-account exemption first, then a model rule, then a device type
 * rule (the narrower description of a device wins), then the organisation's default. Among
 * matching rules of one kind, the most literal pattern wins, then the stricter level, then the
 * older rule, so the outcome never depends on the order rows come back in.
 */
export function decideAccess(
  device: DeviceForDecision,
  exemption: { access: ExemptionAccess } | null,
  rules: readonly RuleForDecision[],
  defaultAccess: DeviceAccessLevel,
): AccessDecision {
  if (exemption) {
    return {
      level: exemption.access,
      source: 'exemption',
      ruleId: null,
      rule: `exemption: this device of this account is always ${exemption.access}`,
    };
  }
  for (const field of ['model', 'deviceType'] as const) {
    const value = field === 'model' ? device.model : device.deviceType;
    const matching = rules.filter((rule) => rule.matchField === field && patternMatches(rule.pattern, value));
    const winner = matching.sort(compareRules)[0];
    if (winner) {
      return {
        level: winner.access,
        source: 'rule',
        ruleId: winner.id,
        rule: `rule ${winner.id}: ${field === 'model' ? 'model' : 'device type'} matches "${winner.pattern}" -> ${winner.access}`,
      };
    }
  }
  return {
    level: defaultAccess,
    source: 'default',
    ruleId: null,
    rule: `organisation default: ${defaultAccess}`,
  };
}

function compareRules(a: RuleForDecision, b: RuleForDecision): number {
  return (
    literalLength(b.pattern) - literalLength(a.pattern) ||
    SEVERITY[b.access] - SEVERITY[a.access] ||
    a.createdAt.getTime() - b.createdAt.getTime() ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function literalLength(pattern: string): number {
  return pattern.replaceAll('*', '').length;
}

/** Whole-value, case-insensitive match where `*` is any run of characters (none included). */
export function patternMatches(pattern: string, value: string): boolean {
  const source = pattern
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(value.toLowerCase());
}
