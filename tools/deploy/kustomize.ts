import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { findKustomize } from './find-kustomize.mjs';

/** Renders the manifests with the real kustomize, so the tests check what `kubectl apply -k` applies. */

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
};

/** Builds a kustomization directory into the objects `kubectl kustomize` prints. */
export function renderKustomization(directory: string): KubeObject[] {
  const { command, args } = findKustomize();
  const rendered = execFileSync(command, [...args, resolve(directory)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const objects: KubeObject[] = [];
  for (const document of parseAllDocuments(rendered)) {
    if (document.errors.length > 0)
      throw new Error(`${directory}: ${document.errors.map((error) => error.message).join('; ')}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value))
      throw new Error(`${directory}: a rendered document is not a mapping`);
    objects.push(value as KubeObject);
  }
  return objects;
}

export const idOf = (object: KubeObject) =>
  `${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;

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
