import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderKustomization } from './kustomize.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** Writes a small kustomize tree into a fresh directory. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kustomize-'));
  directories.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const deployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: example/web
          ports:
            - { name: http, containerPort: 8080 }
          env:
            - { name: A, value: "1" }
            - { name: B, value: "2" }
        - name: sidecar
          image: example/sidecar:1.0
`;

describe(renderKustomization.name, () => {
  it('merges a patch into containers and env by name, deletes with $patch and null, and replaces other lists', () => {
    const root = tree({
      'base/kustomization.yaml': 'resources: [deployment.yaml]\n',
      'base/deployment.yaml': deployment,
      'overlay/kustomization.yaml': 'resources: [../base]\npatches:\n  - path: patch.yaml\n',
      'overlay/patch.yaml': `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: null
  template:
    spec:
      containers:
        - name: web
          args: [--fast]
          env:
            - { name: B, value: "3" }
            - { name: C, value: "4" }
            - { name: A, $patch: delete }
        - name: sidecar
          $patch: delete
`,
    });
    const [rendered] = renderKustomization(join(root, 'overlay'));
    const spec = rendered!['spec'] as {
      replicas?: number;
      template: { spec: { containers: Record<string, unknown>[] } };
    };
    expect(spec.replicas).toBeUndefined();
    expect(spec.template.spec.containers).toEqual([
      {
        name: 'web',
        image: 'example/web',
        ports: [{ name: 'http', containerPort: 8080 }],
        env: [
          { name: 'B', value: '3' },
          { name: 'C', value: '4' },
        ],
        args: ['--fast'],
      },
    ]);
  });

  it('sets the namespace, renames a Namespace object, adds labels to objects and pod templates, and retags images', () => {
    const root = tree({
      'kustomization.yaml': `
namespace: shop
labels:
  - pairs: { team: web }
    includeTemplates: true
images:
  - { name: example/web, newName: registry.example.com/web, newTag: "2.0" }
  - { name: example/sidecar, digest: "sha256:abc" }
resources: [namespace.yaml, deployment.yaml]
`,
      'namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: placeholder\n',
      'deployment.yaml': deployment,
    });
    const [namespace, web] = renderKustomization(root);
    expect(namespace!.metadata).toEqual({ name: 'shop', labels: { team: 'web' } });
    expect(web!.metadata).toEqual({ name: 'web', namespace: 'shop', labels: { team: 'web' } });
    const template = (
      web!['spec'] as {
        template: { metadata: { labels: object }; spec: { containers: { image: string }[] } };
      }
    ).template;
    expect(template.metadata.labels).toEqual({ app: 'web', team: 'web' });
    expect(template.spec.containers.map((container) => container.image)).toEqual([
      'registry.example.com/web:2.0',
      'example/sidecar@sha256:abc',
    ]);
    const selector = (web!['spec'] as { selector: { matchLabels: object } }).selector;
    expect(selector.matchLabels).toEqual({ app: 'web' });
  });

  it('removes a whole object patched with $patch: delete', () => {
    const root = tree({
      'kustomization.yaml': 'resources: [deployment.yaml]\npatches:\n  - path: delete.yaml\n',
      'deployment.yaml': deployment,
      'delete.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n$patch: delete\n',
    });
    expect(renderKustomization(root)).toEqual([]);
  });

  it('refuses a field it does not implement instead of ignoring it', () => {
    const root = tree({ 'kustomization.yaml': 'resources: []\nnamePrefix: dev-\n' });
    expect(() => renderKustomization(root)).toThrow(/field "namePrefix" is not supported/);
  });

  it('refuses a patch that matches no object', () => {
    const root = tree({
      'kustomization.yaml': 'resources: [deployment.yaml]\npatches:\n  - path: patch.yaml\n',
      'deployment.yaml': deployment,
      'patch.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 1\n',
    });
    expect(() => renderKustomization(root)).toThrow(/patch for Deployment\/api matches 0 objects/);
  });

  it('refuses an object declared twice', () => {
    const root = tree({
      'kustomization.yaml': 'resources: [a.yaml, b.yaml]\n',
      'a.yaml': deployment,
      'b.yaml': deployment,
    });
    expect(() => renderKustomization(root)).toThrow(/Deployment\/web is declared twice/);
  });

  it('generates a ConfigMap from files under its directory, keyed by file name or by the key given, after the resources', () => {
    const root = tree({
      'base/kustomization.yaml': 'resources: [deployment.yaml]\n',
      'base/deployment.yaml': deployment,
      'overlay/kustomization.yaml': `
namespace: shop
resources: [../base]
configMapGenerator:
  - name: dashboards
    files: [grafana/board.json, renamed.json=grafana/other.json]
    options:
      disableNameSuffixHash: true
      labels: { grafana_dashboard: '1' }
      annotations: { note: kept }
labels:
  - pairs: { team: web }
`,
      'overlay/grafana/board.json': '{"title":"board"}\n',
      'overlay/grafana/other.json': '{"title":"other"}\n',
    });
    const objects = renderKustomization(join(root, 'overlay'));
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual([
      'Deployment/web',
      'ConfigMap/dashboards',
    ]);
    expect(objects[1]).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'dashboards',
        namespace: 'shop',
        labels: { grafana_dashboard: '1', team: 'web' },
        annotations: { note: 'kept' },
      },
      data: { 'board.json': '{"title":"board"}\n', 'renamed.json': '{"title":"other"}\n' },
    });
  });

  it('refuses a generated ConfigMap whose name kustomize would suffix with a hash', () => {
    const root = tree({
      'kustomization.yaml': 'configMapGenerator:\n  - name: settings\n    files: [a.txt]\n',
      'a.txt': 'a',
    });
    expect(() => renderKustomization(root)).toThrow(/disableNameSuffixHash: true/);
  });

  it('refuses a generator that reads a file outside its kustomization directory', () => {
    const root = tree({
      'overlay/kustomization.yaml':
        'configMapGenerator:\n  - name: settings\n    files: [../secret.txt]\n    options: { disableNameSuffixHash: true }\n',
      'secret.txt': 'a',
    });
    expect(() => renderKustomization(join(root, 'overlay'))).toThrow(/outside the kustomization's directory/);
  });

  it('refuses a generator field it does not implement', () => {
    const root = tree({
      'kustomization.yaml':
        'configMapGenerator:\n  - name: settings\n    literals: [a=b]\n    options: { disableNameSuffixHash: true }\n',
    });
    expect(() => renderKustomization(root)).toThrow(/field "literals" is not supported/);
  });
});
