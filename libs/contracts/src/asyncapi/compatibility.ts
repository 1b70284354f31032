import type { JsonSchema } from './payload-schema.js';

/**
 * A change to a topic version that some reader cannot survive. Events stay on a topic for days (or
 * forever, compacted), and consumers validate strictly, so a change must hold both ways:
 * - a consumer built on the *current* schema must accept every event written under the previous one
 *   (no new required field, no narrowed type or range);
 * - a consumer still on the *previous* schema must accept every event written under the current one
 *   (no removed or newly optional required field, no widened type, enum or range).
 * What passes: adding an optional field, removing an optional field, changing descriptions.
 */
export interface BreakingChange {
  topic: string;
  /** JSON path inside the payload, `(topic)` for the topic itself. */
  path: string;
  change: string;
}

type Schema = JsonSchema;

/** Keywords that describe but do not constrain. */
const annotations = new Set([
  'description',
  'title',
  'examples',
  'default',
  '$comment',
  'deprecated',
  'readOnly',
  'writeOnly',
]);
/** Lower bounds: raising one rejects old values (narrowing), lowering one lets new values through old readers (widening). */
const lowerBounds = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'];
const upperBounds = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'];
const handled = new Set([
  ...annotations,
  ...lowerBounds,
  ...upperBounds,
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'items',
]);

const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function typesOf(schema: Schema): Set<string> | undefined {
  const type = schema['type'];
  if (type === undefined) return undefined;
  return new Set(Array.isArray(type) ? (type as string[]) : [type as string]);
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (isSchema(value)) {
    return `{${Object.keys(value)
      .filter((key) => !annotations.has(key))
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stable(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const sameSchema = (a: unknown, b: unknown): boolean => stable(a) === stable(b);
const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

/** Lists every change from `previous` to `current` that breaks a reader of either version. */
export function findSchemaBreakingChanges(
  previous: Schema,
  current: Schema,
  path = '',
): Omit<BreakingChange, 'topic'>[] {
  const changes: Omit<BreakingChange, 'topic'>[] = [];
  const report = (at: string, change: string) => changes.push({ path: at === '' ? '(root)' : at, change });

  const previousTypes = typesOf(previous);
  const currentTypes = typesOf(current);
  if (previousTypes && currentTypes) {
    for (const type of previousTypes) {
      const stillAccepted = currentTypes.has(type) || (type === 'integer' && currentTypes.has('number'));
      if (!stillAccepted)
        report(path, `narrowed type: ${type} is no longer accepted, but older events hold it`);
    }
    for (const type of currentTypes) {
      const acceptedBefore = previousTypes.has(type) || (type === 'integer' && previousTypes.has('number'));
      if (!acceptedBefore)
        report(path, `widened type: ${type} is new, and consumers of the previous schema reject it`);
    }
  } else if (previousTypes && !currentTypes) {
    report(
      path,
      'widened type: any type is now accepted, and consumers of the previous schema reject the new ones',
    );
  } else if (!previousTypes && currentTypes) {
    report(
      path,
      `narrowed type: only ${[...currentTypes].join(', ')} is accepted now, but older events may hold others`,
    );
  }

  const previousEnum = previous['enum'] as unknown[] | undefined;
  const currentEnum = current['enum'] as unknown[] | undefined;
  if (previousEnum || currentEnum) {
    const removed = (previousEnum ?? []).filter(
      (value) => !(currentEnum ?? []).some((other) => sameSchema(value, other)),
    );
    const added = (currentEnum ?? []).filter(
      (value) => !(previousEnum ?? []).some((other) => sameSchema(value, other)),
    );
    if (currentEnum && removed.length > 0)
      report(
        path,
        `narrowed enum: ${removed.map((value) => JSON.stringify(value)).join(', ')} removed, but older events hold them`,
      );
    if (previousEnum && added.length > 0)
      report(
        path,
        `widened enum: ${added.map((value) => JSON.stringify(value)).join(', ')} added, and consumers of the previous schema reject them`,
      );
    if (!previousEnum && currentEnum) report(path, 'narrowed to an enum: older events may hold other values');
    if (previousEnum && !currentEnum)
      report(path, 'enum dropped: consumers of the previous schema reject values outside it');
  }
  if (!sameSchema(previous['const'], current['const'])) report(path, 'changed const value');

  for (const bound of lowerBounds) {
    const before = previous[bound] as number | undefined;
    const after = current[bound] as number | undefined;
    if (before === after) continue;
    if (after !== undefined && (before === undefined || after > before))
      report(path, `narrowed ${bound}: ${before ?? 'none'} -> ${after}, older events may fall below it`);
    else
      report(
        path,
        `widened ${bound}: ${before} -> ${after ?? 'none'}, consumers of the previous schema reject values below ${before}`,
      );
  }
  for (const bound of upperBounds) {
    const before = previous[bound] as number | undefined;
    const after = current[bound] as number | undefined;
    if (before === after) continue;
    if (after !== undefined && (before === undefined || after < before))
      report(path, `narrowed ${bound}: ${before ?? 'none'} -> ${after}, older events may exceed it`);
    else
      report(
        path,
        `widened ${bound}: ${before} -> ${after ?? 'none'}, consumers of the previous schema reject values above ${before}`,
      );
  }

  compareObjects(previous, current, path, report, changes);

  const previousItems = previous['items'];
  const currentItems = current['items'];
  if (isSchema(previousItems) && isSchema(currentItems)) {
    changes.push(...findSchemaBreakingChanges(previousItems, currentItems, `${path}[]`));
  } else if (!sameSchema(previousItems, currentItems)) {
    report(`${path}[]`, 'changed array items');
  }

  // Keywords without a rule of their own (pattern, format, anyOf, propertyNames, ...) must not
  // change at all: any change could go either way.
  const keywords = new Set([...Object.keys(previous), ...Object.keys(current)]);
  for (const keyword of keywords) {
    if (handled.has(keyword)) continue;
    if (!sameSchema(previous[keyword], current[keyword])) report(path, `changed ${keyword}`);
  }
  return changes;
}

function compareObjects(
  previous: Schema,
  current: Schema,
  path: string,
  report: (at: string, change: string) => void,
  changes: Omit<BreakingChange, 'topic'>[],
): void {
  const previousProperties = (isSchema(previous['properties']) ? previous['properties'] : {}) as Record<
    string,
    Schema
  >;
  const currentProperties = (isSchema(current['properties']) ? current['properties'] : {}) as Record<
    string,
    Schema
  >;
  const previousRequired = new Set((previous['required'] as string[] | undefined) ?? []);
  const currentRequired = new Set((current['required'] as string[] | undefined) ?? []);
  const closedBefore = previous['additionalProperties'] === false;
  const closedNow = current['additionalProperties'] === false;

  const removedRequired = [...previousRequired].filter((name) => !(name in currentProperties));
  const addedRequired = [...currentRequired].filter((name) => !(name in previousProperties));
  const renamed = new Map<string, string>();
  for (const removed of removedRequired) {
    const twin = addedRequired.find(
      (added) =>
        ![...renamed.values()].includes(added) &&
        sameSchema(previousProperties[removed], currentProperties[added]),
    );
    if (twin) renamed.set(removed, twin);
  }
  for (const [from, to] of renamed) {
    report(
      join(path, from),
      `renamed required field ${from} -> ${to}: each side's events lack the field the other requires`,
    );
  }

  for (const [name, schema] of Object.entries(previousProperties)) {
    const at = join(path, name);
    const next = currentProperties[name];
    if (next === undefined) {
      if (renamed.has(name)) continue;
      if (previousRequired.has(name))
        report(at, 'removed required field: consumers of the previous schema require it');
      else if (closedNow)
        report(at, 'removed optional field from a closed object: older events that carry it are rejected');
      continue;
    }
    if (previousRequired.has(name) && !currentRequired.has(name)) {
      report(at, 'required field became optional: consumers of the previous schema reject events without it');
    }
    if (!previousRequired.has(name) && currentRequired.has(name)) {
      report(at, 'optional field became required: older events without it are rejected');
    }
    changes.push(...findSchemaBreakingChanges(schema, next, at));
  }
  for (const name of Object.keys(currentProperties)) {
    if (name in previousProperties || [...renamed.values()].includes(name)) continue;
    const at = join(path, name);
    if (currentRequired.has(name)) report(at, 'new required field: older events lack it');
    else if (closedBefore)
      report(
        at,
        'new field on an object the previous schema closed: its consumers reject events that carry it',
      );
  }

  const previousAdditional = previous['additionalProperties'];
  const currentAdditional = current['additionalProperties'];
  if (isSchema(previousAdditional) && isSchema(currentAdditional)) {
    changes.push(...findSchemaBreakingChanges(previousAdditional, currentAdditional, join(path, '*')));
  } else if (!sameSchema(previousAdditional, currentAdditional)) {
    if (
      previousAdditional === false &&
      currentAdditional === undefined &&
      Object.keys(currentProperties).every((name) => name in previousProperties)
    ) {
      report(path, 'opened a closed object: consumers of the previous schema reject unknown fields');
    } else if (currentAdditional === false) {
      report(path, 'closed the object: older events with other fields are rejected');
    } else {
      report(join(path, '*'), 'changed additionalProperties');
    }
  }
}

interface TopicContract {
  schema: Schema;
  partitions: number | undefined;
  cleanupPolicy: string | undefined;
}

/** Follows a local `#/a/b` reference inside the document. */
function resolve(document: Schema, value: unknown): unknown {
  if (!isSchema(value) || typeof value['$ref'] !== 'string') return value;
  const pointer = value['$ref'];
  if (!pointer.startsWith('#/')) throw new Error(`only local references are followed, got ${pointer}`);
  let node: unknown = document;
  for (const part of pointer.slice(2).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    node = isSchema(node) ? node[key] : undefined;
  }
  if (node === undefined) throw new Error(`unresolved reference ${pointer}`);
  return resolve(document, node);
}

/** Each channel of an AsyncAPI 3 document, by topic: its payload schema and the settings readers depend on. */
export function topicContractsOf(document: Schema): Map<string, TopicContract> {
  const contracts = new Map<string, TopicContract>();
  const channels = (isSchema(document['channels']) ? document['channels'] : {}) as Record<string, Schema>;
  for (const channel of Object.values(channels)) {
    const address = channel['address'];
    if (typeof address !== 'string') continue;
    const messages = Object.values((channel['messages'] ?? {}) as Record<string, unknown>);
    if (messages.length !== 1)
      throw new Error(`${address}: expected exactly one message, found ${messages.length}`);
    const message = resolve(document, messages[0]) as Schema;
    const kafka = ((channel['bindings'] as Schema | undefined)?.['kafka'] ?? {}) as Schema;
    const policy = (kafka['topicConfiguration'] as Schema | undefined)?.['cleanup.policy'];
    contracts.set(address, {
      schema: resolve(document, message['payload']) as Schema,
      partitions: kafka['partitions'] as number | undefined,
      cleanupPolicy: Array.isArray(policy) ? [...(policy as string[])].sort().join(',') : undefined,
    });
  }
  return contracts;
}

/**
 * Every breaking change between a committed contract document and the current one. A topic that is
 * new is fine; a topic that disappeared is breaking (its readers are left with nothing) unless it is
 * among `retired`: no longer written, and drained by its readers (ADR 0094).
 */
export function findBreakingChanges(
  previousDocument: Schema,
  currentDocument: Schema,
  retired: ReadonlySet<string> = new Set(),
): BreakingChange[] {
  const previous = topicContractsOf(previousDocument);
  const current = topicContractsOf(currentDocument);
  const changes: BreakingChange[] = [];
  for (const [topic, before] of previous) {
    const after = current.get(topic);
    if (!after) {
      if (!retired.has(topic))
        changes.push({ topic, path: '(topic)', change: 'topic removed while consumers may still read it' });
      continue;
    }
    if (before.partitions !== after.partitions) {
      changes.push({
        topic,
        path: '(topic)',
        change: `partitions ${before.partitions} -> ${after.partitions}: keys move to other partitions and per-account order breaks`,
      });
    }
    if (before.cleanupPolicy !== after.cleanupPolicy) {
      changes.push({
        topic,
        path: '(topic)',
        change: `cleanup.policy ${before.cleanupPolicy} -> ${after.cleanupPolicy}`,
      });
    }
    for (const change of findSchemaBreakingChanges(before.schema, after.schema))
      changes.push({ topic, ...change });
  }
  return changes;
}

export function formatBreakingChanges(changes: readonly BreakingChange[]): string {
  return changes.map((change) => `${change.topic} ${change.path}: ${change.change}`).join('\n');
}
