import { createRequire } from 'node:module';

/**
 * The prototype of a class inside kafkajs (`kafkajs/src/...`), which the platform's kafkajs fixes
 * wrap; undefined when this kafkajs has no such module, and the fix is then left out.
 */
export function kafkajsPrototype<T>(modulePath: string): T | undefined {
  try {
    return (createRequire(import.meta.url)(modulePath) as { prototype: T }).prototype;
  } catch {
    return undefined;
  }
}

const fixedMethods = new WeakMap<object, Set<PropertyKey>>();

/**
 * Replaces `method` of the kafkajs class at `modulePath` with what `fix` makes of kafkajs's own,
 * once per process, and only while that method's source still contains `faulty` (what kafkajs
 * 2.2.4 does wrong): a kafkajs that reads otherwise, or has no such module, is left alone. True when
 * the method is (now) the fixed one.
 */
export function fixKafkajsMethod<T extends object, K extends keyof T>(
  modulePath: string,
  method: K,
  faulty: string,
  fix: (original: T[K]) => T[K],
): boolean {
  const prototype = kafkajsPrototype<T>(modulePath);
  if (!prototype) return false;
  const fixed = fixedMethods.get(prototype) ?? new Set<PropertyKey>();
  if (fixed.has(method)) return true;
  const original = prototype[method];
  if (typeof original !== 'function' || !String(original).includes(faulty)) return false;
  prototype[method] = fix(original);
  fixedMethods.set(prototype, fixed.add(method));
  return true;
}
