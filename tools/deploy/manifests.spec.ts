import { join, relative } from 'node:path';
import { allTopics } from '@pushmail/contracts';
import { loadConfig } from '@pushmail/platform';
import { describe, expect, it } from 'vitest';
import { schemaProblems, strictFieldProblems } from './kube-validate.js';
import {
  idOf,
  type KubeObject,
  kustomizationTargets,
  renderKustomization,
  repositoryRoot,
} from './kustomize.js';
import { placeholderSecrets, serviceExpectations, serviceNames, type ServiceName } from './services.js';

type Container = {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { configMapRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
};
type Probe = { httpGet?: { path: string; port: string | number } };
type PodSpec = {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
};
type Workload = KubeObject & {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
};
type LabelSelector = {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
};
type PolicyRule = {
  from?: { podSelector?: LabelSelector; namespaceSelector?: LabelSelector }[];
  ports?: { port: string | number }[];
};
type NetworkPolicy = KubeObject & { spec: { podSelector: LabelSelector; ingress?: PolicyRule[] } };

const targets = kustomizationTargets(join(repositoryRoot, 'k8s')).map((directory) => ({
  name: relative(join(repositoryRoot, 'k8s'), directory),
  objects: renderKustomization(directory),
}));
const target = (name: string) => targets.find((candidate) => candidate.name === name)!.objects;
const full = targets.filter((candidate) => !candidate.name.endsWith('kafka-topics'));

const workloads = (objects: KubeObject[]) =>
  objects.filter(
    (object): object is Workload => object.kind === 'Deployment' || object.kind === 'StatefulSet',
  );
const serviceDeployment = (objects: KubeObject[], service: ServiceName) =>
  workloads(objects).find((object) => object.kind === 'Deployment' && object.metadata.name === service)!;
const ofKind = <T extends KubeObject>(objects: KubeObject[], kind: string) =>
  objects.filter((object) => object.kind === kind) as T[];

function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every((expression) =>
    expression.operator === 'In' ? (expression.values ?? []).includes(labels[expression.key] ?? '') : false,
  );
  return byLabels && byExpressions;
}

/** The environment a container starts with, secrets replaced by well-formed stand-ins. */
function environmentOf(objects: KubeObject[], container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const map = objects.find(
      (object) => object.kind === 'ConfigMap' && object.metadata.name === source.configMapRef?.name,
    );
    if (!map) throw new Error(`ConfigMap ${source.configMapRef?.name} is not part of the deployment`);
    Object.assign(env, map['data']);
  }
  for (const variable of container.env ?? []) {
    const secret = variable.valueFrom?.secretKeyRef;
    env[variable.name] = secret ? placeholderSecrets[`${secret.name}/${secret.key}`]! : variable.value!;
  }
  return env;
}

describe('Kubernetes manifests', () => {
  it('render for every kustomization: the base and the dev, production and operators overlays', () => {
    expect(targets.map((candidate) => candidate.name)).toEqual([
      'base',
      'overlays/dev',
      'overlays/operators',
      'overlays/operators/kafka-topics',
      'overlays/production',
    ]);
    for (const { objects } of targets) expect(objects.length).toBeGreaterThan(0);
  });

  it.each(targets)(
    '$name: every object is valid against its Kubernetes or CRD schema',
    async ({ objects }) => {
      expect(await schemaProblems(objects)).toEqual([]);
    },
  );

  it.each(targets)(
    '$name: no object has a field its type does not know, or a value of the wrong type',
    ({ objects }) => {
      expect(strictFieldProblems(objects)).toEqual([]);
    },
    60_000,
  );

  it('rejects an object that breaks the schema, has an unknown field or has an unknown kind', async () => {
    const deployment = structuredClone(serviceDeployment(target('base'), 'ingest'));
    deployment.spec.template.spec.containers[0]!.ports![0]!.containerPort = 'smtp' as unknown as number;
    const misspelt = structuredClone(serviceDeployment(target('base'), 'mailbox'));
    (misspelt.spec.template.spec.containers[0] as Record<string, unknown>)['readinesProbe'] = {};
    const unknown = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    const topic = {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'KafkaTopic',
      metadata: { name: 't' },
      spec: { partitions: 0 },
    };
    expect((await schemaProblems([deployment, unknown, topic])).join('\n')).toMatch(
      /Deployment\/pushmail\/ingest: .*containerPort[\s\S]*Widget\/w: no schema[\s\S]*KafkaTopic\/t: \/spec\/partitions must be >= 1/,
    );
    expect(strictFieldProblems([deployment, misspelt])).toEqual([
      expect.stringMatching(
        /^Deployment\/pushmail\/ingest: Type 'string' is not assignable to type 'number'/,
      ),
      expect.stringMatching(
        /^Deployment\/pushmail\/mailbox: Object literal may only specify known properties, and '"readinesProbe"' does not exist in type 'IContainer'/,
      ),
    ]);
    expect(await schemaProblems([misspelt])).toEqual([]);
  }, 60_000);

  it.each(full)(
    '$name: every object outside the operators topics lives in the overlay namespace',
    ({ name, objects }) => {
      const namespace = name === 'overlays/dev' ? 'pushmail-dev' : 'pushmail';
      for (const object of objects) {
        if (object.kind === 'Namespace') expect(object.metadata.name).toBe(namespace);
        else if (object.kind === 'KafkaTopic') expect(object.metadata.namespace).toBe('kafka');
        else expect(object.metadata.namespace, idOf(object)).toBe(namespace);
      }
    },
  );

  it.each(full)(
    '$name: each service has probes on its health endpoints, resources and its drain time',
    ({ objects }) => {
      for (const service of serviceNames) {
        const deployment = serviceDeployment(objects, service);
        const pod = deployment.spec.template.spec;
        const [container] = pod.containers;
        const expected = serviceExpectations[service];
        expect(pod.terminationGracePeriodSeconds, service).toBe(expected.drainSeconds);
        expect(container!.ports).toContainEqual({ name: 'http', containerPort: expected.httpPort });
        for (const [name, port] of Object.entries(expected.extraPorts))
          expect(container!.ports).toContainEqual({ name, containerPort: port });
        expect(container!.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
        expect(container!.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
        expect(container!.startupProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
        for (const kind of ['requests', 'limits'] as const) {
          expect(Object.keys(container!.resources?.[kind] ?? {}).sort(), `${service} ${kind}`).toEqual([
            'cpu',
            'memory',
          ]);
        }
      }
    },
  );

  it.each(full)('$name: each service starts with a configuration its own schema accepts', ({ objects }) => {
    for (const service of serviceNames) {
      const container = serviceDeployment(objects, service).spec.template.spec.containers[0]!;
      const env = environmentOf(objects, container);
      expect(() => loadConfig(serviceExpectations[service].config, env), service).not.toThrow();
      expect(env[serviceExpectations[service].httpPortVariable]).toBe(
        String(serviceExpectations[service].httpPort),
      );
    }
  });

  it.each(full)(
    '$name: every pod runs as non-root with a read-only root, no privilege escalation and no capabilities',
    ({ objects }) => {
      for (const workload of workloads(objects)) {
        const pod = workload.spec.template.spec;
        const at = idOf(workload);
        expect(pod.securityContext?.runAsNonRoot, at).toBe(true);
        expect(pod.securityContext?.runAsUser, at).toBeGreaterThan(0);
        expect(pod.securityContext?.seccompProfile?.type, at).toBe('RuntimeDefault');
        expect(pod.automountServiceAccountToken, at).toBe(false);
        for (const container of pod.containers) {
          expect(container.securityContext?.allowPrivilegeEscalation, at).toBe(false);
          expect(container.securityContext?.capabilities?.drop, at).toEqual(['ALL']);
          // The development Kafka image writes its configuration at start; everything else is read-only.
          if (workload.metadata.name !== 'kafka')
            expect(container.securityContext?.readOnlyRootFilesystem, at).toBe(true);
        }
      }
    },
  );

  it.each(full)(
    '$name: secrets are only referenced, never given, and only the documented keys',
    ({ name, objects }) => {
      expect(ofKind(objects, 'Secret')).toEqual([]);
      const references = workloads(objects).flatMap((workload) =>
        workload.spec.template.spec.containers.flatMap((container) =>
          (container.env ?? []).flatMap((variable) => {
            const secret = variable.valueFrom?.secretKeyRef;
            return secret ? [`${secret.name}/${secret.key}`] : [];
          }),
        ),
      );
      const allowed = Object.keys(placeholderSecrets).filter(
        (key) => name === 'overlays/operators' || !key.startsWith('pushmail-db-app'),
      );
      for (const reference of references) expect(allowed).toContain(reference);
    },
  );

  it.each(full)(
    '$name: Services, HPAs, PDBs and the Ingress point at workloads and ports that exist',
    ({ objects }) => {
      const pods = workloads(objects).map((workload) => ({
        labels: workload.spec.template.metadata.labels,
        ports: workload.spec.template.spec.containers.flatMap((container) => container.ports ?? []),
      }));
      for (const service of ofKind<
        KubeObject & { spec: { selector: Record<string, string>; ports: { targetPort: string }[] } }
      >(objects, 'Service')) {
        const selected = pods.filter((pod) => selects({ matchLabels: service.spec.selector }, pod.labels));
        expect(selected.length, idOf(service)).toBeGreaterThan(0);
        for (const port of service.spec.ports)
          expect(
            selected[0]!.ports.map((candidate) => candidate.name),
            idOf(service),
          ).toContain(port.targetPort);
      }
      for (const hpa of ofKind<KubeObject & { spec: { scaleTargetRef: { kind: string; name: string } } }>(
        objects,
        'HorizontalPodAutoscaler',
      )) {
        expect(
          workloads(objects).some(
            (workload) =>
              workload.kind === hpa.spec.scaleTargetRef.kind &&
              workload.metadata.name === hpa.spec.scaleTargetRef.name,
          ),
        ).toBe(true);
      }
      for (const budget of ofKind<KubeObject & { spec: { selector: LabelSelector } }>(
        objects,
        'PodDisruptionBudget',
      )) {
        expect(
          pods.some((pod) => selects(budget.spec.selector, pod.labels)),
          idOf(budget),
        ).toBe(true);
      }
      for (const ingress of ofKind<
        KubeObject & {
          spec: {
            rules: {
              http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] };
            }[];
          };
        }
      >(objects, 'Ingress')) {
        for (const path of ingress.spec.rules.flatMap((rule) => rule.http.paths)) {
          const service = objects.find(
            (object) => object.kind === 'Service' && object.metadata.name === path.backend.service.name,
          ) as (KubeObject & { spec: { ports: { name: string }[] } }) | undefined;
          expect(service?.spec.ports.map((port) => port.name)).toContain(path.backend.service.port.name);
        }
      }
    },
  );

  it.each(full)(
    '$name: network policies deny by default and open only SMTP and the device edge to the outside',
    ({ objects }) => {
      const policies = ofKind<NetworkPolicy>(objects, 'NetworkPolicy');
      expect(
        policies.some(
          (policy) => Object.keys(policy.spec.podSelector).length === 0 && policy.spec.ingress === undefined,
        ),
      ).toBe(true);
      const podsOf = (policy: NetworkPolicy) =>
        workloads(objects).filter((workload) =>
          selects(policy.spec.podSelector, workload.spec.template.metadata.labels),
        );
      const openToAll: string[] = [];
      for (const policy of policies) {
        for (const rule of policy.spec.ingress ?? []) {
          for (const pod of podsOf(policy)) {
            const names = pod.spec.template.spec.containers.flatMap((container) =>
              (container.ports ?? []).map((port) => port.name),
            );
            for (const port of rule.ports ?? [])
              if (typeof port.port === 'string') expect(names, idOf(policy)).toContain(port.port);
            if (!rule.from)
              openToAll.push(...(rule.ports ?? []).map((port) => `${pod.metadata.name}:${port.port}`));
          }
        }
      }
      expect(openToAll.sort()).toEqual(['activesync:http', 'ingest:smtp', 'push-delivery:http']);

      const mailbox = policies.filter(
        (policy) =>
          selects(policy.spec.podSelector, { 'app.kubernetes.io/name': 'mailbox' }) && policy.spec.ingress,
      );
      const sources = mailbox.flatMap((policy) =>
        (policy.spec.ingress ?? []).flatMap((rule) => rule.from ?? []),
      );
      const fromNamespaces = sources.filter((source) => source.namespaceSelector);
      expect(sources.filter((source) => source.podSelector).map((source) => source.podSelector)).toEqual([
        { matchLabels: { 'app.kubernetes.io/name': 'push-delivery' } },
        { matchLabels: { 'app.kubernetes.io/name': 'activesync' } },
      ]);
      // Only Prometheus, in production, from outside the namespace.
      for (const source of fromNamespaces)
        expect(source.namespaceSelector?.matchLabels).toEqual({
          'kubernetes.io/metadata.name': 'monitoring',
        });
    },
  );

  it.each(full)(
    '$name: the device edge keeps sockets open for an hour and has no session affinity',
    ({ objects }) => {
      const [ingress] = ofKind<KubeObject & { metadata: { annotations: Record<string, string> } }>(
        objects,
        'Ingress',
      );
      const annotations = ingress!.metadata.annotations;
      expect(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']).toBe('3600');
      expect(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout']).toBe('3600');
      expect(Object.keys(annotations).filter((key) => /affinity|sticky|session-cookie/.test(key))).toEqual(
        [],
      );
    },
  );

  it.each(full)(
    "$name: operations' self-test, console counters and registry calls reach Services of the right pods and ports",
    ({ objects }) => {
      const operations = serviceDeployment(objects, 'operations');
      const env = environmentOf(objects, operations.spec.template.spec.containers[0]!);
      const operationsLabels = operations.spec.template.metadata.labels;
      const policies = ofKind<NetworkPolicy>(objects, 'NetworkPolicy');
      /** The workload and container port a Service port leads to, if operations may reach it. */
      const reach = (host: string, port: number) => {
        const service = objects.find(
          (object) => object.kind === 'Service' && object.metadata.name === host,
        ) as
          | (KubeObject & {
              spec: { selector: Record<string, string>; ports: { port: number; targetPort: string }[] };
            })
          | undefined;
        const servicePort = service?.spec.ports.find((candidate) => candidate.port === port);
        if (!service || !servicePort) return undefined;
        const workload = workloads(objects).find((candidate) =>
          selects({ matchLabels: service.spec.selector }, candidate.spec.template.metadata.labels),
        )!;
        const admitted = policies
          .filter((policy) => selects(policy.spec.podSelector, workload.spec.template.metadata.labels))
          .flatMap((policy) => policy.spec.ingress ?? [])
          .some(
            (rule) =>
              (rule.ports ?? []).some((candidate) => candidate.port === servicePort.targetPort) &&
              (!rule.from ||
                rule.from.some(
                  (source) => source.podSelector && selects(source.podSelector, operationsLabels),
                )),
          );
        return { workload: workload.metadata.name, port: servicePort.targetPort, admitted };
      };
      expect(reach(env['SELFTEST_SMTP_HOST']!, Number(env['SELFTEST_SMTP_PORT']))).toEqual({
        workload: 'ingest',
        port: 'smtp',
        admitted: true,
      });
      const socket = new URL(env['SELFTEST_JMAP_WS_URL']!);
      expect(socket.pathname).toBe('/jmap/ws');
      expect(reach(socket.hostname, Number(socket.port))).toEqual({
        workload: 'push-delivery',
        port: 'http',
        admitted: true,
      });
      const registry = new URL(env['REGISTRY_URL']!);
      expect(reach(registry.hostname, Number(registry.port))).toEqual({
        workload: 'device-registry',
        port: 'http',
        admitted: true,
      });
      const counters = env['CONSOLE_METRICS_URLS']!.split(',').map((pair) => pair.split('='));
      expect(counters.length).toBeGreaterThan(0);
      for (const [name, address] of counters) {
        const url = new URL(address!);
        expect(reach(url.hostname, Number(url.port)), name).toEqual({
          workload: name,
          port: 'http',
          admitted: true,
        });
      }
    },
  );

  it.each(['base', 'overlays/production', 'overlays/operators'])(
    '%s: push-delivery scales on its open sockets',
    (name) => {
      const hpa = target(name).find(
        (object) => object.kind === 'HorizontalPodAutoscaler' && object.metadata.name === 'push-delivery',
      )!;
      expect((hpa['spec'] as { metrics: unknown[] }).metrics).toContainEqual({
        type: 'Pods',
        pods: {
          metric: { name: 'pushmail_push_open_sockets' },
          target: { type: 'AverageValue', averageValue: '5000' },
        },
      });
    },
  );

  it('operators: declares every topic of the contracts for Strimzi and takes the database URL from CloudNativePG', () => {
    const objects = target('overlays/operators');
    const topics = ofKind<KubeObject & { spec: { partitions: number; config: Record<string, string> } }>(
      objects,
      'KafkaTopic',
    );
    // kustomize prints the objects of one kind ordered by name.
    expect(topics.map((topic) => topic.metadata.name)).toEqual(allTopics.map((topic) => topic.name).sort());
    for (const topic of allTopics) {
      const resource = topics.find((candidate) => candidate.metadata.name === topic.name)!;
      expect(resource.spec.partitions).toBe(topic.partitions);
      expect(resource.spec.config).toMatchObject({ ...topic.config, 'min.insync.replicas': '2' });
    }
    expect(ofKind(objects, 'Cluster').map((cluster) => cluster.metadata.name)).toEqual(['pushmail-db']);
    for (const service of ['mailbox', 'device-registry', 'operations'] as const) {
      const container = serviceDeployment(objects, service).spec.template.spec.containers[0]!;
      expect(container.env?.find((variable) => variable.name === 'DATABASE_URL')?.valueFrom).toEqual({
        secretKeyRef: { name: 'pushmail-db-app', key: 'uri' },
      });
    }
    const config = objects.find((object) => object.kind === 'ConfigMap')!['data'] as Record<string, string>;
    expect(config['KAFKA_BROKERS']).toBe('pushmail-kafka-bootstrap.kafka.svc:9092');
  });

  it.each(full)(
    '$name: services create the topics only where no operator owns them (dev), and verify them in production',
    ({ name, objects }) => {
      const owned = name === 'overlays/production' || name === 'overlays/operators';
      for (const service of serviceNames) {
        const container = serviceDeployment(objects, service).spec.template.spec.containers[0]!;
        const config = loadConfig(serviceExpectations[service].config, environmentOf(objects, container));
        expect(config['KAFKA_TOPICS'], service).toBe(owned ? 'verify' : 'create');
        expect(config['KAFKA_REPLICATION_FACTOR'], service).toBe(owned ? 3 : 1);
      }
    },
  );

  it.each(['overlays/production', 'overlays/operators'])(
    "%s: ships the push-path dashboard in a ConfigMap that Grafana's dashboard sidecar loads",
    (name) => {
      const map = target(name).find(
        (object) => object.kind === 'ConfigMap' && object.metadata.name === 'pushmail-grafana-dashboards',
      )!;
      expect(map.metadata.namespace).toBe('pushmail');
      expect(map.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
      const data = map['data'] as Record<string, string>;
      expect(JSON.parse(data['push-path.json']!)).toMatchObject({ uid: 'pushmail-push-path' });
      // The API server refuses a ConfigMap over 1 MiB.
      expect(Buffer.byteLength(JSON.stringify(data))).toBeLessThan(1024 * 1024);
    },
  );

  it.each(full)(
    '$name: push-delivery turns Web Push on with the VAPID pair from the Secret and a database for its subscriptions',
    ({ name, objects }) => {
      const container = serviceDeployment(objects, 'push-delivery').spec.template.spec.containers[0]!;
      const secretOf = (variable: string) =>
        container.env?.find((candidate) => candidate.name === variable)?.valueFrom?.secretKeyRef;
      expect(secretOf('WEBPUSH_VAPID_PUBLIC_KEY')).toEqual({
        name: 'pushmail-secrets',
        key: 'webpush-vapid-public-key',
        optional: true,
      });
      expect(secretOf('WEBPUSH_VAPID_PRIVATE_KEY')).toEqual({
        name: 'pushmail-secrets',
        key: 'webpush-vapid-private-key',
        optional: true,
      });
      expect(secretOf('DATABASE_URL')).toEqual(
        name === 'overlays/operators'
          ? { name: 'pushmail-db-app', key: 'uri' }
          : { name: 'pushmail-secrets', key: 'database-url' },
      );
      const config = loadConfig(
        serviceExpectations['push-delivery'].config,
        environmentOf(objects, container),
      ) as Record<string, unknown>;
      // What webPushFrom needs to turn it on: both keys and the database.
      expect(config['WEBPUSH_VAPID_PUBLIC_KEY']).toBeDefined();
      expect(config['WEBPUSH_VAPID_PRIVATE_KEY']).toBeDefined();
      expect(config['DATABASE_URL']).toBeDefined();
      expect(config['WEBPUSH_SUBJECT']).toBe('mailto:postmaster@example.com');
      // The development Postgres admits it.
      const postgres = ofKind<NetworkPolicy>(objects, 'NetworkPolicy').find(
        (policy) => policy.metadata.name === 'postgres',
      );
      if (name === 'overlays/dev') {
        const labels = serviceDeployment(objects, 'push-delivery').spec.template.metadata.labels;
        expect(
          postgres?.spec.ingress?.some((rule) =>
            (rule.from ?? []).some((peer) => peer.podSelector && selects(peer.podSelector, labels)),
          ),
        ).toBe(true);
      }
    },
  );

  it('production: runs released images from a registry, spread over zones and nodes', () => {
    for (const service of serviceNames) {
      const pod = serviceDeployment(target('overlays/production'), service).spec.template.spec as PodSpec & {
        topologySpreadConstraints?: { topologyKey: string }[];
      };
      expect(pod.containers[0]!.image).toBe(`registry.example.com/pushmail/${service}:0.1.0`);
      expect(pod.topologySpreadConstraints?.map((constraint) => constraint.topologyKey)).toEqual([
        'topology.kubernetes.io/zone',
        'kubernetes.io/hostname',
      ]);
    }
  });
});
