import { MethodError } from '@pushmail/jmap';

/** Argument readers: a wrong type or value is the caller's mistake and answers invalidArguments. */

export function invalidArguments(description: string): MethodError {
  return new MethodError('invalidArguments', description);
}

/** The dispatcher has already refused another account's id; RFC 8620 still requires the argument. */
export function requireAccountId(args: Record<string, unknown>): string {
  const accountId = args['accountId'];
  if (typeof accountId !== 'string') throw invalidArguments('"accountId" is required');
  return accountId;
}

export function optionalBoolean(args: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const value = args[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw invalidArguments(`"${name}" must be a boolean`);
  return value;
}

/** RFC 8620 §1.3 UnsignedInt: an integer from 0 to 2^53-1, exactly JavaScript's safe integers from 0. */
export function optionalUnsignedInt(args: Record<string, unknown>, name: string): number | undefined {
  const value = args[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidArguments(`"${name}" must be an UnsignedInt: an integer from 0 to 2^53-1`);
  }
  return value;
}

/** RFC 8620 §1.3 Int: an integer from -2^53+1 to 2^53-1, exactly JavaScript's safe integers. */
export function optionalInt(args: Record<string, unknown>, name: string): number | undefined {
  const value = args[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw invalidArguments(`"${name}" must be an Int: an integer from -2^53+1 to 2^53-1`);
  return value;
}

export function optionalString(args: Record<string, unknown>, name: string): string | undefined {
  const value = args[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidArguments(`"${name}" must be a string`);
  return value;
}

export function requireString(args: Record<string, unknown>, name: string): string {
  const value = optionalString(args, name);
  if (value === undefined) throw invalidArguments(`"${name}" is required`);
  return value;
}

/** `null` (or absent) stays null; otherwise a list of strings without duplicates. */
export function optionalStringList(args: Record<string, unknown>, name: string): string[] | null {
  const value = args[name];
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw invalidArguments(`"${name}" must be null or an array of strings`);
  }
  return [...new Set(value as string[])];
}

/** The `ids` argument of a /get; `required` refuses null, for types too large to list whole. */
export function idsArgument(
  args: Record<string, unknown>,
  maxObjects: number,
  required: boolean,
): string[] | null {
  const ids = optionalStringList(args, 'ids');
  if (ids === null && required)
    throw invalidArguments('"ids" is required: this type cannot be fetched whole');
  if (ids !== null && ids.length > maxObjects) {
    throw new MethodError('requestTooLarge', `at most ${maxObjects} ids per call (maxObjectsInGet)`);
  }
  return ids;
}

/** A property list: null means `defaults`; any name outside `known` is refused. */
export function propertiesArgument(
  args: Record<string, unknown>,
  name: string,
  known: readonly string[],
  defaults: readonly string[],
): string[] {
  const requested = optionalStringList(args, name);
  if (requested === null) return [...defaults];
  const unknown = requested.filter((property) => !known.includes(property));
  if (unknown.length > 0) throw invalidArguments(`unknown ${name}: ${unknown.slice(0, 10).join(', ')}`);
  return requested;
}

export interface SetArguments {
  ifInState: string | undefined;
  create: Record<string, unknown>;
  update: Record<string, unknown>;
  destroy: string[];
}

/** `ifInState` of a /set or /import (RFC 8620 §5.3): the write goes ahead only from that state. */
export function assertInState(
  typeName: string,
  current: number | string,
  ifInState: string | undefined,
): void {
  if (ifInState !== undefined && ifInState !== String(current)) {
    throw new MethodError(
      'stateMismatch',
      `the ${typeName} state is ${current}, not ${ifInState.slice(0, 64)}`,
    );
  }
}

/** The arguments every /set takes (RFC 8620 §5.3), within maxObjectsInSet. */
export function setArguments(args: Record<string, unknown>, maxObjects: number): SetArguments {
  const map = (name: string): Record<string, unknown> => {
    const value = args[name];
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value))
      throw invalidArguments(`"${name}" must be null or a map`);
    return value as Record<string, unknown>;
  };
  const create = map('create');
  const update = map('update');
  const destroy = optionalStringList(args, 'destroy') ?? [];
  const count = Object.keys(create).length + Object.keys(update).length + destroy.length;
  if (count > maxObjects) {
    throw new MethodError(
      'requestTooLarge',
      `${count} objects in one call; maxObjectsInSet is ${maxObjects}`,
    );
  }
  return { ifInState: optionalString(args, 'ifInState'), create, update, destroy };
}

/** `null` for an empty result map or list, as /set answers leave them out that way (RFC 8620 §5.3). */
export function orNull<T extends object>(value: T): T | null {
  return Object.keys(value).length === 0 ? null : value;
}
