import type { RequestBudget } from './budget.js';
import { MethodError } from './errors.js';
import { isObject, type Invocation } from './request.js';

interface ResultReference {
  resultOf: string;
  name: string;
  path: string;
}

/**
 * Replaces every `#name` argument by the value its result reference points at (RFC 8620 §3.7).
 * Throws `invalidResultReference` when the reference is malformed or points at nothing, and
 * BudgetExceeded when the values resolved in this request grow past `budget`.
 */
export function resolveResultReferences(
  args: Record<string, unknown>,
  previous: readonly Invocation[],
  budget?: RequestBudget,
): Record<string, unknown> {
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (!key.startsWith('#')) {
      resolved[key] = value;
      continue;
    }
    const plain = key.slice(1);
    if (plain in args) throw new MethodError('invalidArguments', `both "${plain}" and "${key}" given`);
    if (!isReference(value))
      throw new MethodError('invalidResultReference', `"${key}" is not a ResultReference`);
    const source = previous.find(([name, , callId]) => callId === value.resultOf && name === value.name);
    if (!source) {
      throw new MethodError(
        'invalidResultReference',
        `no earlier ${value.name} response with call id ${value.resultOf}`,
      );
    }
    const target = evaluatePointer(source[1], value.path);
    budget?.chargeReference(target);
    resolved[plain] = target;
  }
  return resolved;
}

function isReference(value: unknown): value is ResultReference {
  return (
    isObject(value) &&
    typeof value['resultOf'] === 'string' &&
    typeof value['name'] === 'string' &&
    typeof value['path'] === 'string'
  );
}

/** JSON Pointer (RFC 6901) with JMAP's `*` extension: map over an array and flatten nested arrays. */
export function evaluatePointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  if (!pointer.startsWith('/'))
    throw new MethodError('invalidResultReference', `path "${pointer}" must start with "/"`);
  const tokens = pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
  return walk(document, tokens, pointer);
}

function walk(node: unknown, tokens: string[], pointer: string): unknown {
  if (tokens.length === 0) return node;
  const [token, ...rest] = tokens as [string, ...string[]];
  if (Array.isArray(node)) {
    if (token === '*') {
      const mapped = node.map((item) => walk(item, rest, pointer));
      return mapped.flatMap((item) => (Array.isArray(item) ? item : [item]));
    }
    if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) >= node.length) {
      throw new MethodError('invalidResultReference', `path "${pointer}" does not resolve`);
    }
    return walk(node[Number(token)], rest, pointer);
  }
  if (isObject(node) && Object.prototype.hasOwnProperty.call(node, token))
    return walk(node[token], rest, pointer);
  throw new MethodError('invalidResultReference', `path "${pointer}" does not resolve`);
}
