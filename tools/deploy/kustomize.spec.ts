import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findKustomize } from './find-kustomize.mjs';
import { renderKustomization, repositoryRoot } from './kustomize.js';

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

describe(findKustomize.name, () => {
  it('finds a kustomize 5 or newer on PATH, standalone or built into kubectl', () => {
    const { command, version } = findKustomize();
    expect(['kustomize', 'kubectl']).toContain(command);
    expect(Number(/^v(\d+)\./.exec(version)?.[1])).toBeGreaterThanOrEqual(5);
  });

  it('names what to install when neither kustomize nor kubectl is on PATH', () => {
    const script = `import('./tools/deploy/find-kustomize.mjs').then((m) => m.findKustomize()).catch((e) => console.log(e.message))`;
    // A PATH holding nothing but an empty directory: node is started by its absolute path.
    const emptyBin = tree({});
    const message = execFileSync(process.execPath, ['-e', script], {
      cwd: repositoryRoot,
      encoding: 'utf8',
      env: { PATH: emptyBin },
    });
    expect(message).toMatch(/neither kustomize nor kubectl is on PATH/);
    expect(message).toMatch(/apt-get install kubernetes-client/);
  });
});

describe(renderKustomization.name, () => {
  it("reports kustomize's own error for a kustomization it refuses", () => {
    const root = tree({
      'kustomization.yaml': 'resources: [missing.yaml]\n',
    });
    expect(() => renderKustomization(root)).toThrow(/missing\.yaml/);
  });
});
