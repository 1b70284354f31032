import { allTopics } from '@pushmail/contracts';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from './kustomize.js';
import {
  createTopicsScript,
  kafkaTopicResources,
  productionTopicSettings,
  renderKafkaTopicsYaml,
} from './topics.js';

// On a mismatch after a change to libs/contracts: rerun this file with `-u` and commit the output.
describe(createTopicsScript.name, () => {
  it('is what tools/deploy/generated/create-topics.sh holds', async () => {
    await expect(createTopicsScript()).toMatchFileSnapshot('./generated/create-topics.sh');
  });

  it('creates every topic with its partitions and sets every configuration entry of the contract', () => {
    const calls = runWithRecordingKafkaTools(createTopicsScript());
    for (const topic of allTopics) {
      const configs = Object.entries(topic.config).map(([name, value]) => `${name}=${value}`);
      expect(calls).toContain(
        `kafka-topics.sh --bootstrap-server kafka:9092 --create --if-not-exists --topic ${topic.name} ` +
          `--partitions ${topic.partitions} --replication-factor 1 ` +
          configs.map((config) => `--config ${config}`).join(' '),
      );
      expect(calls).toContain(
        `kafka-configs.sh --bootstrap-server kafka:9092 --alter --entity-type topics --entity-name ${topic.name} ` +
          `--add-config ${configs.join(',')}`,
      );
    }
    expect(calls).toHaveLength(allTopics.length * 2);
  });

  it('stops at the first failing command', () => {
    expect(createTopicsScript().split('\n')).toContain('set -eu');
  });
});

describe(kafkaTopicResources.name, () => {
  it('is what k8s/overlays/operators/kafka-topics/kafka-topics.yaml holds', async () => {
    await expect(renderKafkaTopicsYaml()).toMatchFileSnapshot(
      '../../k8s/overlays/operators/kafka-topics/kafka-topics.yaml',
    );
  });

  it('is left as it is by the formatter, so formatting the repository never makes it drift', async () => {
    const file = join(repositoryRoot, 'k8s/overlays/operators/kafka-topics/kafka-topics.yaml');
    const text = renderKafkaTopicsYaml();
    expect(await format(text, { ...(await resolveConfig(file)), filepath: file })).toBe(text);
  });

  it('declares every topic of the contracts with its partitions and configuration, replicated three times', () => {
    const resources = kafkaTopicResources();
    expect(resources.map((resource) => resource.metadata.name)).toEqual(allTopics.map((topic) => topic.name));
    for (const topic of allTopics) {
      const resource = resources.find((candidate) => candidate.metadata.name === topic.name)!;
      expect(resource.spec.partitions).toBe(topic.partitions);
      expect(resource.spec.replicas).toBe(productionTopicSettings.replicas);
      expect(resource.spec.config).toEqual({ ...topic.config, 'min.insync.replicas': '2' });
      expect(resource.metadata.labels['strimzi.io/cluster']).toBe('pushmail');
    }
  });
});

/** Runs the script against stand-ins for Kafka's command-line tools; answers the commands it ran. */
function runWithRecordingKafkaTools(script: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'create-topics-'));
  try {
    for (const tool of ['kafka-topics.sh', 'kafka-configs.sh']) {
      writeFileSync(join(dir, tool), `#!/bin/sh\necho "${tool} $*" >> "$CALLS"\n`, { mode: 0o755 });
    }
    writeFileSync(join(dir, 'calls'), '');
    execFileSync('sh', ['-c', script], {
      env: { PATH: process.env.PATH, KAFKA_BIN: dir, CALLS: join(dir, 'calls') },
      stdio: 'ignore',
    });
    return readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
