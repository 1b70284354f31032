import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { mailArrivedV1 } from '../events/mail-arrived.js';
import { retiredTopics } from '../topics/retired-topics.js';
import { defineTopic } from '../topics/topic.js';
import { allTopics, mailArrivedTopic } from '../topics/topics.js';
import { buildAsyncApiDocument, schemaIdOf } from './asyncapi-document.js';
import { findBreakingChanges, findSchemaBreakingChanges } from './compatibility.js';
import type { JsonSchema } from './payload-schema.js';
import { topicRoles } from './topic-roles.js';

const committed = parse(
  readFileSync(fileURLToPath(new URL('../../../../docs/asyncapi.yaml', import.meta.url)), 'utf8'),
) as JsonSchema;

/** The committed contract document as it would be if mail-arrived's schema were `schema`. */
function documentWithMailArrived(schema: z.ZodObject, partitions = mailArrivedTopic.partitions) {
  const changed = defineTopic({
    ...mailArrivedTopic,
    schema,
    partitions,
    key: (event) => String(event['accountId']),
  });
  return buildAsyncApiDocument(allTopics.map((topic) => (topic.name === changed.name ? changed : topic)));
}

const changesOf = (schema: z.ZodObject) =>
  findBreakingChanges(committed, documentWithMailArrived(schema)).map(
    (change) => `${change.path}: ${change.change}`,
  );

/** A copy of a committed payload schema to edit by hand. */
function committedSchema(topicName: string): JsonSchema {
  const schemas = (committed['components'] as { schemas: Record<string, JsonSchema> }).schemas;
  return structuredClone(schemas[schemaIdOf(topicName)]!);
}

describe(findBreakingChanges.name, () => {
  it('finds nothing between the committed document and the current contracts', () => {
    expect(findBreakingChanges(committed, buildAsyncApiDocument())).toEqual([]);
  });

  it('accepts a new optional field', () => {
    expect(changesOf(mailArrivedV1.extend({ spamScore: z.number().optional() }))).toEqual([]);
  });

  it('accepts a new field with a default, which older events simply lack', () => {
    expect(changesOf(mailArrivedV1.extend({ tags: z.array(z.string()).default([]) }))).toEqual([]);
  });

  it('reports a removed required field', () => {
    expect(changesOf(mailArrivedV1.omit({ sizeBytes: true }))).toEqual([
      'sizeBytes: removed required field: consumers of the previous schema require it',
    ]);
  });

  it('reports a renamed required field as one rename', () => {
    const renamed = mailArrivedV1.omit({ sizeBytes: true }).extend({ sizeInBytes: z.int().nonnegative() });
    expect(changesOf(renamed)).toEqual([
      "sizeBytes: renamed required field sizeBytes -> sizeInBytes: each side's events lack the field the other requires",
    ]);
  });

  it('reports a new required field, which older events on the topic lack', () => {
    expect(changesOf(mailArrivedV1.extend({ spamScore: z.number() }))).toEqual([
      'spamScore: new required field: older events lack it',
    ]);
  });

  it('reports a required field that became optional', () => {
    expect(changesOf(mailArrivedV1.extend({ sizeBytes: z.int().nonnegative().optional() }))).toEqual([
      'sizeBytes: required field became optional: consumers of the previous schema reject events without it',
    ]);
  });

  it('reports a narrowed type and a narrowed range inside a nested object', () => {
    const narrowed = mailArrivedV1.extend({
      sizeBytes: z.string(),
      envelope: mailArrivedV1.shape.envelope.extend({ mailFrom: z.string().max(100) }),
    });
    expect(changesOf(narrowed)).toEqual(
      expect.arrayContaining([
        'sizeBytes: narrowed type: integer is no longer accepted, but older events hold it',
        'envelope.mailFrom: narrowed maxLength: 320 -> 100, older events may exceed it',
      ]),
    );
  });

  it('reports a widened range, which consumers of the previous schema reject', () => {
    const widened = mailArrivedV1.extend({ deliveryId: z.string().min(1).max(400) });
    expect(changesOf(widened)).toEqual([
      'deliveryId: widened maxLength: 200 -> 400, consumers of the previous schema reject values above 200',
    ]);
  });

  it('reports an enum value removed and one added', () => {
    const schema = committedSchema('pushmail.account.v1');
    const status = (schema['properties'] as Record<string, JsonSchema>)['status']!;
    const before = structuredClone(schema);
    status['enum'] = ['active', 'deleted', 'suspended'];
    expect(findSchemaBreakingChanges(before, schema).map((change) => change.change)).toEqual([
      'narrowed enum: "disabled" removed, but older events hold them',
      'widened enum: "suspended" added, and consumers of the previous schema reject them',
    ]);
  });

  it('reports a changed pattern', () => {
    const schema = committedSchema('pushmail.account.v1');
    const before = structuredClone(schema);
    (schema['properties'] as Record<string, JsonSchema>)['address']!['pattern'] = '^.+@example\\.com$';
    expect(findSchemaBreakingChanges(before, schema)).toEqual([
      { path: 'address', change: 'changed pattern' },
    ]);
  });

  it('ignores a changed description', () => {
    const schema = committedSchema('pushmail.account.v1');
    const before = structuredClone(schema);
    (schema['properties'] as Record<string, JsonSchema>)['address']!['description'] = 'The login address.';
    expect(findSchemaBreakingChanges(before, schema)).toEqual([]);
  });

  it('reports a changed partition count', () => {
    expect(findBreakingChanges(committed, documentWithMailArrived(mailArrivedV1, 12))).toEqual([
      {
        topic: 'pushmail.mail.arrived.v1',
        path: '(topic)',
        change: 'partitions 6 -> 12: keys move to other partitions and per-account order breaks',
      },
    ]);
  });

  it('reports a removed topic and accepts a new topic version', () => {
    const mailArrivedV2 = defineTopic({ ...mailArrivedTopic, name: 'pushmail.mail.arrived.v2' });
    const roles = { ...topicRoles, [mailArrivedV2.name]: topicRoles[mailArrivedTopic.name]! };
    const current = buildAsyncApiDocument(
      allTopics.map((topic) => (topic === mailArrivedTopic ? mailArrivedV2 : topic)),
      roles,
    );
    expect(findBreakingChanges(committed, current)).toEqual([
      {
        topic: 'pushmail.mail.arrived.v1',
        path: '(topic)',
        change: 'topic removed while consumers may still read it',
      },
    ]);
    const both = buildAsyncApiDocument([...allTopics, mailArrivedV2], roles);
    expect(findBreakingChanges(committed, both)).toEqual([]);
    // Once its readers drained it and nothing writes it, the old version may be retired.
    expect(findBreakingChanges(committed, current, new Set(['pushmail.mail.arrived.v1']))).toEqual([]);
  });

  it('never declares a retired topic version again', () => {
    const declared = new Set(allTopics.map((topic) => topic.name));
    for (const { name, replacedBy } of retiredTopics) {
      expect(declared.has(name), name).toBe(false);
      expect(declared.has(replacedBy), replacedBy).toBe(true);
    }
  });
});
