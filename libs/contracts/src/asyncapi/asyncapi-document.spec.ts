import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Parser } from '@asyncapi/parser';
import asyncapiSpecs from '@asyncapi/specs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { retiredTopics } from '../topics/retired-topics.js';
import { allTopics } from '../topics/topics.js';
import {
  buildAsyncApiDocument,
  channelIdOf,
  REGENERATE_COMMAND,
  renderAsyncApiYaml,
  schemaIdOf,
} from './asyncapi-document.js';
import { findBreakingChanges, formatBreakingChanges } from './compatibility.js';
import type { JsonSchema } from './payload-schema.js';
import { topicRoles } from './topic-roles.js';

const committedPath = fileURLToPath(new URL('../../../../docs/asyncapi.yaml', import.meta.url));
// Read before any test runs, so that `-u` rewriting the file cannot hide a breaking change.
const committed = existsSync(committedPath)
  ? (parse(readFileSync(committedPath, 'utf8')) as JsonSchema)
  : undefined;

const severities = ['error', 'warning', 'info', 'hint'] as const;

async function parserProblems(source: string): Promise<string[]> {
  const diagnostics = await new Parser().validate(source);
  return diagnostics
    .filter((diagnostic) => diagnostic.severity <= 1)
    .map(
      (diagnostic) =>
        `${severities[diagnostic.severity]} ${diagnostic.code} at ${diagnostic.path.join('.')}: ${diagnostic.message}`,
    );
}

/** `bundled`: the schema carries its own copy of the draft-07 meta-schema, so ajv must not add one. */
function ajvFor(schema: object, bundled = false) {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    ...(bundled ? { meta: false, validateSchema: false } : {}),
  });
  addFormats.default(ajv);
  // zod marks base64 strings with a format of its own; the pattern beside it does the checking.
  ajv.addFormat('base64', true);
  return ajv.compile(schema);
}

describe(buildAsyncApiDocument.name, () => {
  it('is what docs/asyncapi.yaml holds, and changed compatibly since it was committed', async () => {
    if (committed) {
      const breaking = findBreakingChanges(
        committed,
        buildAsyncApiDocument(),
        new Set(retiredTopics.map((topic) => topic.name)),
      );
      expect(
        breaking,
        `breaking changes need a new topic version:\n${formatBreakingChanges(breaking)}`,
      ).toEqual([]);
    }
    // On a mismatch: regenerate with the command below and commit the result.
    await expect(
      renderAsyncApiYaml(),
      `docs/asyncapi.yaml is stale: ${REGENERATE_COMMAND}`,
    ).toMatchFileSnapshot('../../../../docs/asyncapi.yaml');
  });

  it('is left as it is by the formatter, so formatting the repository never makes it drift', async () => {
    const text = renderAsyncApiYaml();
    expect(await format(text, { ...(await resolveConfig(committedPath)), filepath: committedPath })).toBe(
      text,
    );
  });

  // The parser loads and compiles every AsyncAPI schema on first use: seconds, more on a busy machine.
  const PARSER_TIMEOUT_MS = 60_000;

  it('passes the AsyncAPI parser without errors or warnings', { timeout: PARSER_TIMEOUT_MS }, async () => {
    expect(await parserProblems(renderAsyncApiYaml())).toEqual([]);
  });

  it(
    'is rejected by the parser when it breaks the specification',
    { timeout: PARSER_TIMEOUT_MS },
    async () => {
      const broken = buildAsyncApiDocument() as JsonSchema;
      delete broken['info'];
      expect((await parserProblems(JSON.stringify(broken))).join('\n')).toMatch(/info/);
    },
  );

  it('validates against the AsyncAPI 3.0.0 JSON Schema', () => {
    const validate = ajvFor(asyncapiSpecs.schemas['3.0.0'], true);
    const valid = validate(parse(renderAsyncApiYaml()));
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);

    const wrongBinding = buildAsyncApiDocument();
    (wrongBinding.channels['mailArrivedV1']!['bindings'] as { kafka: JsonSchema }).kafka['partitions'] =
      'six';
    expect(validate(wrongBinding)).toBe(false);
  });

  it('has a channel per topic with its partitions, configuration, key and headers', () => {
    const document = buildAsyncApiDocument();
    expect(Object.values(document.channels).map((channel) => channel['address'])).toEqual(
      allTopics.map((topic) => topic.name),
    );
    for (const topic of allTopics) {
      const id = channelIdOf(topic.name);
      const kafka = (document.channels[id]!['bindings'] as { kafka: JsonSchema }).kafka;
      expect(kafka['partitions']).toBe(topic.partitions);
      expect((kafka['topicConfiguration'] as JsonSchema)['cleanup.policy']).toEqual([
        topic.config['cleanup.policy'],
      ]);
      const message = document.components.messages[id]!;
      expect(message['payload']).toEqual({ $ref: `#/components/schemas/${schemaIdOf(topic.name)}` });
      expect((message['headers'] as { required: string[] }).required).toEqual([
        'pushmail-schema',
        'content-type',
      ]);
      expect((message['bindings'] as { kafka: { key: JsonSchema } }).kafka.key['type']).toBe('string');
    }
  });

  it("shows for every topic an example that the topic's zod schema and the generated JSON Schema both accept", () => {
    const document = buildAsyncApiDocument();
    for (const topic of allTopics) {
      const example = topicRoles[topic.name]!.example;
      expect(topic.schema.safeParse(example).error?.issues ?? []).toEqual([]);
      const validate = ajvFor(document.components.schemas[schemaIdOf(topic.name)]!);
      expect(validate(example), `${topic.name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(validate({ ...example, accountId: 'not-a-uuid', sourceTopic: 42 })).toBe(false);
    }
  });
});
