import { allTopics } from '@pushmail/contracts';
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
    const script = createTopicsScript();
    for (const topic of allTopics) {
      expect(script).toContain(
        `--topic ${topic.name} --partitions ${topic.partitions} --replication-factor 1`,
      );
      for (const [name, value] of Object.entries(topic.config)) {
        expect(script).toContain(`--config ${name}=${value}`);
      }
      const alter = script.split('\n').findIndex((line) => line.includes(`--entity-name ${topic.name}`));
      expect(script.split('\n')[alter + 1]).toBe(
        `  --add-config ${Object.entries(topic.config)
          .map(([name, value]) => `${name}=${value}`)
          .join(',')}`,
      );
    }
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
