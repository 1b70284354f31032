import { stringify } from 'yaml';
import { PRODUCER_HEADER, SCHEMA_HEADER } from '../codec.js';
import type { TopicDefinition } from '../topics/topic.js';
import { allTopics } from '../topics/topics.js';
import { payloadSchemaOf, type JsonSchema } from './payload-schema.js';
import { topicRoles, type TopicRole } from './topic-roles.js';

export const ASYNCAPI_VERSION = '3.0.0';
export const KAFKA_BINDING_VERSION = '0.5.0';
/** Bumped when a topic version is added or retired; fields of one topic version only ever grow. */
export const CONTRACT_DOCUMENT_VERSION = '2.0.0';
export const ASYNCAPI_DOCUMENT_PATH = 'docs/asyncapi.yaml';
export const REGENERATE_COMMAND = 'npx vitest run --project unit libs/contracts/src/asyncapi -u';

export type AsyncApiDocument = JsonSchema & {
  channels: Record<string, JsonSchema>;
  components: { schemas: Record<string, JsonSchema>; messages: Record<string, JsonSchema> };
};

/** `pushmail.mail.arrived.v1` -> `mailArrivedV1`: the id of its channel and message. */
export function channelIdOf(topicName: string): string {
  const words = topicName
    .replace(/^pushmail\./, '')
    .split(/[.\-_]/)
    .filter((word) => word.length > 0);
  return words.map((word, index) => (index === 0 ? word : word[0]!.toUpperCase() + word.slice(1))).join('');
}

/** `pushmail.mail.arrived.v1` -> `MailArrivedV1`: the id of its payload schema. */
export function schemaIdOf(topicName: string): string {
  const id = channelIdOf(topicName);
  return id[0]!.toUpperCase() + id.slice(1);
}

const guarantees = `Every topic below is declared once in \`libs/contracts\` (\`@pushmail/contracts\`), and its producers
and pushmail's own consumers validate every event against the schema shown here.

- **Encoding.** Values are UTF-8 JSON objects. Two headers travel with every event: \`${SCHEMA_HEADER}\`,
  the versioned topic name whose schema the value follows, and \`content-type: application/json\`.
  When tracing is on, \`traceparent\` (and \`tracestate\`) carry the W3C Trace Context of the producing span.
- **Keys and ordering.** Events are keyed by the account id (a dead letter keeps its original key), so
  all events of one account land on one partition and are read in the order they were written.
  Ordering across accounts is not defined.
  The partition count of a topic version never changes (it would move keys between partitions).
- **Durability.** Producers are idempotent and wait for every in-sync replica: an SMTP client gets its
  \`250\` only once the \`mail.arrived\` event is durable, and an administrator's change is acknowledged
  only once its snapshot is.
- **Delivery.** At least once. A consumer can see an event again after a rebalance or a restart before
  its commit; make handling idempotent (\`eventId\` identifies an event; \`deliveryId\` a delivered message;
  \`revision\` orders snapshots of one account).
- **Evolution.** Within one topic version fields are only ever added, and only as optional fields:
  ignore fields you do not know. Anything else (a removed, renamed or newly required field, a changed
  type, a narrowed or widened range of values) is a new topic version (\`.v2\`), published alongside
  the old one until its consumers have moved. The compatibility check in \`libs/contracts\` enforces this.
  An old version leaves this document only once nothing writes it and its readers have drained it.
- **Invalid events** never block a partition: a pushmail consumer sends them to
  \`pushmail.dead-letter.v1\` with the reason and the original bytes.`;

/** Kafka's topic configuration as the Kafka channel binding types it: lists and integers, not strings. */
function topicConfigurationOf(config: Readonly<Record<string, string>>): JsonSchema {
  const typed: JsonSchema = {};
  for (const [name, value] of Object.entries(config)) {
    if (name === 'cleanup.policy') typed[name] = value.split(',').map((policy) => policy.trim());
    else if (/^-?\d+$/.test(value)) typed[name] = Number(value);
    else typed[name] = value;
  }
  return typed;
}

function headersSchemaOf(topic: TopicDefinition): JsonSchema {
  return {
    type: 'object',
    required: [SCHEMA_HEADER, 'content-type'],
    properties: {
      [SCHEMA_HEADER]: {
        type: 'string',
        const: topic.name,
        description: 'The versioned topic name whose schema the value follows.',
      },
      'content-type': { type: 'string', const: 'application/json' },
      traceparent: {
        type: 'string',
        description:
          'Optional W3C Trace Context parent of the span that produced the event, present when tracing is on.',
      },
      tracestate: {
        type: 'string',
        description: 'Optional W3C Trace Context vendor state travelling with `traceparent`.',
      },
      [PRODUCER_HEADER]: {
        type: 'string',
        description:
          'Optional name of the instance that wrote the event, where its producer gives one (outbound: its `OUTBOUND_HOSTNAME`).',
      },
    },
  };
}

function keySchemaOf(topic: TopicDefinition, role: TopicRole): JsonSchema {
  const accountKeyed = topic.name !== 'pushmail.dead-letter.v1';
  return accountKeyed
    ? { type: 'string', format: 'uuid', description: role.keyDescription }
    : { type: 'string', description: role.keyDescription };
}

function roleOf(topic: TopicDefinition, roles: Readonly<Record<string, TopicRole>>): TopicRole {
  const role = roles[topic.name];
  if (!role) throw new Error(`no producer/consumer roles declared for ${topic.name} in topic-roles.ts`);
  return role;
}

/** Builds the AsyncAPI 3.0 document of every pushmail topic: channels, messages, schemas, operations. */
export function buildAsyncApiDocument(
  topics: readonly TopicDefinition[] = allTopics,
  roles: Readonly<Record<string, TopicRole>> = topicRoles,
): AsyncApiDocument {
  const channels: Record<string, JsonSchema> = {};
  const operations: Record<string, JsonSchema> = {};
  const messages: Record<string, JsonSchema> = {};
  const schemas: Record<string, JsonSchema> = {};

  for (const topic of topics) {
    const role = roleOf(topic, roles);
    const id = channelIdOf(topic.name);
    const schemaId = schemaIdOf(topic.name);
    const compacted = topic.config['cleanup.policy']?.includes('compact') ?? false;

    schemas[schemaId] = payloadSchemaOf(topic);
    messages[id] = {
      name: schemaId,
      title: topic.name,
      summary: topic.description,
      contentType: 'application/json',
      headers: headersSchemaOf(topic),
      payload: { $ref: `#/components/schemas/${schemaId}` },
      bindings: { kafka: { key: keySchemaOf(topic, role), bindingVersion: KAFKA_BINDING_VERSION } },
      examples: [
        {
          name: `${id}Example`,
          headers: { [SCHEMA_HEADER]: topic.name, 'content-type': 'application/json' },
          payload: role.example,
        },
      ],
    };
    channels[id] = {
      address: topic.name,
      title: topic.name,
      summary: topic.description,
      description: [
        `**Key:** ${role.keyDescription}`,
        `**Ordering and delivery:** ${role.ordering}`,
        compacted
          ? '**Retention:** compacted: the latest value of every key is kept; read from the beginning to rebuild the current state.'
          : `**Retention:** deleted after ${Number(topic.config['retention.ms']) / 86_400_000} days.`,
        `**Written by:** ${role.producers.join(', ')}. **Read by:** ${role.consumers.map((consumer) => consumer.service).join(', ')}.`,
      ].join('\n\n'),
      messages: { [id]: { $ref: `#/components/messages/${id}` } },
      bindings: {
        kafka: {
          partitions: topic.partitions,
          topicConfiguration: topicConfigurationOf(topic.config),
          bindingVersion: KAFKA_BINDING_VERSION,
        },
      },
    };

    const messageRef = { $ref: `#/channels/${id}/messages/${id}` };
    for (const producer of role.producers) {
      operations[`${channelIdOf(producer)}Sends${schemaId}`] = {
        action: 'send',
        channel: { $ref: `#/channels/${id}` },
        summary: `${producer} publishes ${topic.name}.`,
        messages: [messageRef],
      };
    }
    for (const consumer of role.consumers) {
      operations[`${channelIdOf(consumer.service)}Receives${schemaId}`] = {
        action: 'receive',
        channel: { $ref: `#/channels/${id}` },
        summary: `${consumer.service} reads ${topic.name}.`,
        description: consumer.how,
        messages: [messageRef],
        bindings: {
          kafka: {
            groupId: { type: 'string', description: `Consumer group: \`${consumer.group}\`.` },
            bindingVersion: KAFKA_BINDING_VERSION,
          },
        },
      };
    }
  }

  return {
    asyncapi: ASYNCAPI_VERSION,
    info: {
      title: 'pushmail events',
      version: CONTRACT_DOCUMENT_VERSION,
      description: guarantees,
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    defaultContentType: 'application/json',
    servers: {
      kafka: {
        host: '{bootstrap}',
        protocol: 'kafka',
        description: 'The Kafka cluster pushmail runs on (KRaft, Apache Kafka 4).',
        variables: {
          bootstrap: {
            default: 'localhost:9094',
            description:
              'A bootstrap broker as host:port. docker compose publishes localhost:9094; inside the compose network it is kafka:9092.',
          },
        },
      },
    },
    channels,
    operations,
    components: { schemas, messages },
  };
}

/** The document as committed: YAML, with a header saying where it comes from. */
export function renderAsyncApiYaml(document: AsyncApiDocument = buildAsyncApiDocument()): string {
  const header = [
    '# Generated from libs/contracts (topics and zod schemas): do not edit by hand.',
    `# Regenerate: ${REGENERATE_COMMAND}`,
    '',
  ].join('\n');
  return header + stringify(document, { lineWidth: 0, aliasDuplicateObjects: false, singleQuote: true });
}
