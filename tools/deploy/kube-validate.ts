import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import ts from 'typescript';
import { idOf, type KubeObject, repositoryRoot } from './kustomize.js';

/**
 * Checks rendered objects the way an API server would before admitting them, offline:
 * - built-in kinds against the Kubernetes OpenAPI schemas (the validators `kubernetes-models` ships,
 *   generated from Kubernetes' OpenAPI document), and against its TypeScript types with excess
 *   property checks, which catch a misspelt or misplaced field that the OpenAPI schema, having no
 *   `additionalProperties: false`, lets through (what kubeconform calls strict mode);
 * - custom resources (Strimzi KafkaTopic, CloudNativePG Cluster) against the CRD schemas vendored in
 *   crd-schemas/, which reject unknown fields.
 */

interface BuiltinKind {
  /** Module path under kubernetes-models, e.g. `apps/v1/Deployment`. */
  module: string;
}

const crdSchemaFiles: Record<string, string> = {
  'kafka.strimzi.io/v1/KafkaTopic': 'kafkatopic.kafka.strimzi.io.v1.json',
  'postgresql.cnpg.io/v1/Cluster': 'cluster.postgresql.cnpg.io.v1.json',
};

function builtinKindOf(object: KubeObject): BuiltinKind | undefined {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : ['', object.apiVersion];
  if (`${object.apiVersion}/${object.kind}` in crdSchemaFiles) return undefined;
  if (!/^[A-Za-z]+$/.test(object.kind) || !version) return undefined;
  return { module: group ? `${group}/${version}/${object.kind}` : `${version}/${object.kind}` };
}

type ModelClass = new (data: unknown) => { validate(): void };

async function loadModel(kind: BuiltinKind): Promise<ModelClass | undefined> {
  try {
    const module = (await import(/* @vite-ignore */ `kubernetes-models/${kind.module}`)) as Record<
      string,
      unknown
    >;
    const name = kind.module.split('/').pop()!;
    return module[name] as ModelClass | undefined;
  } catch {
    return undefined;
  }
}

const crdValidators = new Map<string, ValidateFunction>();
function crdValidator(key: string): ValidateFunction {
  let validate = crdValidators.get(key);
  if (!validate) {
    const file = join(repositoryRoot, 'tools/deploy/crd-schemas', crdSchemaFiles[key]!);
    const document = JSON.parse(readFileSync(file, 'utf8')) as { schema: object };
    validate = new Ajv({ allErrors: true, strict: false }).compile(document.schema);
    crdValidators.set(key, validate);
  }
  return validate;
}

/** Schema problems of each object, as `Kind/namespace/name: problem`. */
export async function schemaProblems(objects: readonly KubeObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) {
    const crdKey = `${object.apiVersion}/${object.kind}`;
    if (crdKey in crdSchemaFiles) {
      const validate = crdValidator(crdKey);
      if (!validate(object)) {
        for (const error of validate.errors ?? [])
          problems.push(
            `${idOf(object)}: ${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`,
          );
      }
      continue;
    }
    const kind = builtinKindOf(object);
    const Model = kind && (await loadModel(kind));
    if (!Model) {
      problems.push(`${idOf(object)}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`${idOf(object)}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/**
 * Type-checks every built-in object as an object literal of its kubernetes-models interface: an
 * unknown field anywhere is an excess property, a value of the wrong type a type error.
 */
export function strictFieldProblems(objects: readonly KubeObject[]): string[] {
  const builtins = objects
    .map((object) => ({ object, kind: builtinKindOf(object) }))
    .filter((entry) => entry.kind);
  if (builtins.length === 0) return [];
  const imports = new Map<string, string>();
  const declarations: string[] = [];
  const owners: { line: number; id: string }[] = [];
  let line = 0;
  for (const { object, kind } of builtins) {
    const typeName = `I${object.kind}`;
    let alias = imports.get(kind!.module);
    if (!alias) {
      alias = `T${imports.size}`;
      imports.set(kind!.module, alias);
    }
    owners.push({ line, id: idOf(object) });
    const text = `export const o${owners.length}: ${alias}.${typeName} = ${JSON.stringify(object, null, 1)};`;
    declarations.push(text);
    line += text.split('\n').length;
  }
  const header = [...imports].map(
    ([module, alias]) => `import type * as ${alias} from 'kubernetes-models/${module}';`,
  );
  const source = [...header, ...declarations].join('\n');
  const offset = header.length;

  const fileName = join(repositoryRoot, 'tools/deploy/__rendered_manifests__.ts');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, onError, shouldCreate) =>
    name === fileName
      ? ts.createSourceFile(name, source, language)
      : getSourceFile(name, language, onError, shouldCreate);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === fileName ? source : readFile(name));

  const program = ts.createProgram([fileName], options, host);
  const problems: string[] = [];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    if (diagnostic.file?.fileName !== fileName || diagnostic.start === undefined) {
      problems.push(message);
      continue;
    }
    const at = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line - offset;
    const owner = [...owners].reverse().find((candidate) => candidate.line <= at);
    const text = diagnostic.file.getFullText();
    const lineText = text.split('\n')[at + offset]?.trim() ?? '';
    problems.push(`${owner?.id ?? '?'}: ${message} (at ${lineText})`);
  }
  return problems;
}
