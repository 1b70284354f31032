import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/**
 * A renderer for the subset of kustomize this repository uses, so that the manifests can be built
 * and checked where no kustomize or kubectl binary exists. It refuses any field it does not
 * implement rather than ignoring it, so a kustomization that uses more fails loudly here instead of
 * rendering differently from `kubectl kustomize`.
 *
 * Implemented: `resources` (files and directories holding a kustomization.yaml), `configMapGenerator`
 * (from files inside the kustomization's directory, with labels and annotations, and without the
 * name hash, which this renderer does not compute), `patches` (files with strategic-merge patches,
 * matched by kind and name), `namespace`, `labels` (without selectors), `images`. Applied in
 * kustomize's order: resources then generated objects, patches, namespace, labels, images.
 */

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface LabelsEntry {
  pairs: Record<string, string>;
  includeSelectors?: boolean;
  includeTemplates?: boolean;
}

interface ImageEntry {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

interface ConfigMapGeneratorEntry {
  name: string;
  /** `path`, keyed by the file's name, or `key=path`. */
  files?: string[];
  options?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    disableNameSuffixHash?: boolean;
  };
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  resources?: string[];
  configMapGenerator?: ConfigMapGeneratorEntry[];
  patches?: { path: string }[];
  labels?: LabelsEntry[];
  images?: ImageEntry[];
}

const supportedFields = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'configMapGenerator',
  'patches',
  'labels',
  'images',
]);
const supportedGeneratorFields = new Set(['name', 'files', 'options']);
const supportedGeneratorOptions = new Set(['labels', 'annotations', 'disableNameSuffixHash']);

/** Kinds that are not namespaced, among those this repository could plausibly use. */
const clusterScoped = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
]);

const workloadKinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function readYamlDocuments(file: string): KubeObject[] {
  const documents = parseAllDocuments(readFileSync(file, 'utf8'));
  const objects: KubeObject[] = [];
  for (const document of documents) {
    if (document.errors.length > 0)
      throw new Error(`${file}: ${document.errors.map((error) => error.message).join('; ')}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    if (!isObject(value)) throw new Error(`${file}: a document is not a mapping`);
    objects.push(value as unknown as KubeObject);
  }
  return objects;
}

function loadKustomization(directory: string): Kustomization {
  const file = join(directory, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`${directory}: no kustomization.yaml`);
  const [kustomization] = readYamlDocuments(file) as unknown as Kustomization[];
  if (!kustomization) throw new Error(`${file}: empty`);
  for (const field of Object.keys(kustomization)) {
    if (!supportedFields.has(field))
      throw new Error(`${file}: field "${field}" is not supported by this renderer`);
  }
  return kustomization;
}

/** Builds a kustomization directory into the list of objects `kubectl kustomize` would print. */
export function renderKustomization(directory: string): KubeObject[] {
  const root = resolve(directory);
  const kustomization = loadKustomization(root);

  let objects: KubeObject[] = [];
  for (const entry of kustomization.resources ?? []) {
    const path = resolve(root, entry);
    const loaded = statSync(path).isDirectory() ? renderKustomization(path) : readYamlDocuments(path);
    for (const object of loaded) {
      if (objects.some((other) => sameId(other, object)))
        throw new Error(`${path}: ${idOf(object)} is declared twice`);
      objects.push(object);
    }
  }

  for (const entry of kustomization.configMapGenerator ?? []) {
    const generated = generateConfigMap(root, entry);
    if (objects.some((other) => sameId(other, generated)))
      throw new Error(`${root}: ${idOf(generated)} is declared twice`);
    objects.push(generated);
  }

  for (const { path } of kustomization.patches ?? []) {
    const file = resolve(root, path);
    for (const patch of readYamlDocuments(file)) objects = applyPatch(objects, patch, file);
  }

  if (kustomization.namespace !== undefined)
    objects = objects.map((object) => setNamespace(object, kustomization.namespace!));
  for (const labels of kustomization.labels ?? [])
    objects = objects.map((object) => addLabels(object, labels));
  for (const image of kustomization.images ?? []) objects = objects.map((object) => setImage(object, image));
  return objects;
}

function generateConfigMap(root: string, entry: ConfigMapGeneratorEntry): KubeObject {
  const where = `${join(root, 'kustomization.yaml')}: configMapGenerator ${entry.name}`;
  for (const field of Object.keys(entry)) {
    if (!supportedGeneratorFields.has(field))
      throw new Error(`${where}: field "${field}" is not supported by this renderer`);
  }
  for (const field of Object.keys(entry.options ?? {})) {
    if (!supportedGeneratorOptions.has(field))
      throw new Error(`${where}: option "${field}" is not supported by this renderer`);
  }
  // kustomize would append a hash of the content to the name; this renderer does not compute it.
  if (entry.options?.disableNameSuffixHash !== true)
    throw new Error(`${where}: only generators with options.disableNameSuffixHash: true are supported`);
  const data: Record<string, string> = {};
  for (const file of entry.files ?? []) {
    const separator = file.indexOf('=');
    const path = separator >= 0 ? file.slice(separator + 1) : file;
    const key = separator >= 0 ? file.slice(0, separator) : basename(path);
    const resolved = resolve(root, path);
    // kustomize's default load restrictor: a kustomization reads files only under its own directory.
    if (relative(root, resolved).startsWith('..') || isAbsolute(relative(root, resolved)))
      throw new Error(`${where}: ${path} is outside the kustomization's directory`);
    if (key in data) throw new Error(`${where}: key ${key} is given twice`);
    data[key] = readFileSync(resolved, 'utf8');
  }
  const metadata: KubeObject['metadata'] = { name: entry.name };
  if (entry.options?.labels) metadata.labels = { ...entry.options.labels };
  if (entry.options?.annotations) metadata['annotations'] = { ...entry.options.annotations };
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data };
}

export const idOf = (object: KubeObject) =>
  `${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

function sameId(a: KubeObject, b: KubeObject): boolean {
  return (
    a.kind === b.kind &&
    a.metadata.name === b.metadata.name &&
    (a.metadata.namespace ?? '') === (b.metadata.namespace ?? '') &&
    groupOf(a.apiVersion) === groupOf(b.apiVersion)
  );
}

function applyPatch(objects: KubeObject[], patch: KubeObject, file: string): KubeObject[] {
  const matches = (object: KubeObject) =>
    object.kind === patch.kind &&
    object.metadata.name === patch.metadata.name &&
    (patch.metadata.namespace === undefined || object.metadata.namespace === patch.metadata.namespace) &&
    (patch.apiVersion === undefined || groupOf(object.apiVersion) === groupOf(patch.apiVersion));
  const targets = objects.filter(matches);
  if (targets.length !== 1)
    throw new Error(
      `${file}: patch for ${patch.kind}/${patch.metadata.name} matches ${targets.length} objects`,
    );
  if ((patch as JsonObject)['$patch'] === 'delete') return objects.filter((object) => !matches(object));
  return objects.map((object) =>
    matches(object)
      ? (strategicMerge(
          object as unknown as JsonObject,
          patch as unknown as JsonObject,
          [],
        ) as unknown as KubeObject)
      : object,
  );
}

/**
 * The merge key of a list, as the Kubernetes API declares it for the fields this repository
 * patches; any other list is replaced whole, as strategic merge does for lists without one.
 */
function mergeKeyOf(path: string[], items: Json[]): string | undefined {
  const field = path[path.length - 1];
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'topologySpreadConstraints':
      return 'topologyKey';
    case 'ports':
      // Container ports merge on containerPort, Service ports on port.
      return items.some((item) => isObject(item) && 'containerPort' in item) ? 'containerPort' : 'port';
    default:
      return undefined;
  }
}

function strategicMerge(target: Json, patch: Json, path: string[]): Json {
  if (!isObject(target) || !isObject(patch)) return structuredClone(patch);
  if (patch['$patch'] === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return structuredClone(rest);
  }
  const merged: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch') continue;
    if (value === null) {
      delete merged[key];
      continue;
    }
    const current = merged[key];
    if (Array.isArray(value) && Array.isArray(current))
      merged[key] = mergeList(current, value, [...path, key]);
    else if (isObject(value) && isObject(current))
      merged[key] = strategicMerge(current, value, [...path, key]);
    else merged[key] = structuredClone(value);
  }
  return merged;
}

function mergeList(target: Json[], patch: Json[], path: string[]): Json[] {
  const key = mergeKeyOf(path, [...target, ...patch]);
  if (!key) return structuredClone(patch);
  // Ports are keyed by number and protocol together; kustomize silently drops a patch item that
  // names the number without the protocol of an existing port, so such a patch is refused here.
  const composite = path[path.length - 1] === 'ports' ? 'protocol' : undefined;
  const remaining = structuredClone(target);
  // As kustomize orders it: the patch's items first, in the patch's order, then the untouched rest.
  const merged: Json[] = [];
  for (const item of patch) {
    if (!isObject(item) || item[key] === undefined)
      throw new Error(`patch item in ${path.join('.')} lacks its merge key ${key}`);
    const index = remaining.findIndex(
      (existing) =>
        isObject(existing) &&
        existing[key] === item[key] &&
        (!composite || existing[composite] === item[composite]),
    );
    if (
      composite &&
      index < 0 &&
      remaining.some((existing) => isObject(existing) && existing[key] === item[key])
    ) {
      throw new Error(
        `patch item ${key}=${String(item[key])} in ${path.join('.')} must state the same ${composite} as the port it patches`,
      );
    }
    const [existing] = index >= 0 ? remaining.splice(index, 1) : [];
    if (item['$patch'] === 'delete') continue;
    merged.push(existing === undefined ? structuredClone(item) : strategicMerge(existing, item, path));
  }
  return [...merged, ...remaining];
}

function setNamespace(object: KubeObject, namespace: string): KubeObject {
  if (object.kind === 'Namespace') return { ...object, metadata: { ...object.metadata, name: namespace } };
  if (clusterScoped.has(object.kind)) return object;
  return { ...object, metadata: { ...object.metadata, namespace } };
}

function addLabels(object: KubeObject, entry: LabelsEntry): KubeObject {
  if (entry.includeSelectors)
    throw new Error('labels with includeSelectors are not supported by this renderer');
  const copy = structuredClone(object);
  copy.metadata.labels = { ...copy.metadata.labels, ...entry.pairs };
  if (entry.includeTemplates && workloadKinds.has(copy.kind)) {
    const template = (
      copy['spec'] as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined
    )?.template;
    if (template) {
      template.metadata ??= {};
      template.metadata.labels = { ...template.metadata.labels, ...entry.pairs };
    }
    const claims = (
      copy['spec'] as
        { volumeClaimTemplates?: { metadata?: { labels?: Record<string, string> } }[] } | undefined
    )?.volumeClaimTemplates;
    for (const claim of copy.kind === 'StatefulSet' ? (claims ?? []) : []) {
      claim.metadata ??= {};
      claim.metadata.labels = { ...claim.metadata.labels, ...entry.pairs };
    }
  }
  return copy;
}

/** Splits `registry:5000/name:tag@sha256:...` into its name and the rest. */
function imageName(image: string): string {
  const withoutDigest = image.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon >= 0 ? withoutDigest.slice(0, colon) : withoutDigest;
}

function setImage(object: KubeObject, entry: ImageEntry): KubeObject {
  if (!workloadKinds.has(object.kind)) return object;
  const copy = structuredClone(object);
  const podSpec = (copy['spec'] as { template?: { spec?: Record<string, unknown> } } | undefined)?.template
    ?.spec;
  for (const field of ['containers', 'initContainers']) {
    for (const container of (podSpec?.[field] as { image?: string }[] | undefined) ?? []) {
      if (!container.image || imageName(container.image) !== entry.name) continue;
      const name = entry.newName ?? entry.name;
      const current = container.image.slice(imageName(container.image).length);
      const tag = entry.digest ? `@${entry.digest}` : entry.newTag ? `:${entry.newTag}` : current;
      container.image = `${name}${tag}`;
    }
  }
  return copy;
}

/** Every directory under `root` with a kustomization.yaml: the targets `kubectl kustomize` can build. */
export function kustomizationTargets(root: string): string[] {
  const found: string[] = [];
  const walk = (directory: string) => {
    if (existsSync(join(directory, 'kustomization.yaml'))) found.push(directory);
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(directory, entry.name));
    }
  };
  walk(resolve(root));
  return found.sort();
}

export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
