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
