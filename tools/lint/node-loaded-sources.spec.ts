import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Operator tools (`tools/**\/*.mjs`) run under plain Node, which strips the types of a `.ts` file it
 * imports but does not resolve that file's `./x.js` imports to `./x.ts` as the build does. A `.ts`
 * source such a tool imports must therefore load in Node on its own: this loads each one there.
 */
const root = resolve(__dirname, '../..');

function mjsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : mjsFiles(path);
    return entry.name.endsWith('.mjs') ? [path] : [];
  });
}

const tsImports = [
  ...new Set(
    mjsFiles(join(root, 'tools')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/from\s+'(\.{1,2}\/[^']+\.ts)'/g)].map((match) =>
        relative(root, resolve(dirname(file), match[1] ?? '')),
      ),
    ),
  ),
].sort();

describe('TypeScript sources that operator tools import into plain Node', () => {
  it('are found (the tools do import some)', () => {
    expect(tsImports.length).toBeGreaterThan(0);
  });

  it.each(tsImports)('%s loads in Node without the build', (source) => {
    const output = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `await import(${JSON.stringify(`./${source}`)}); console.log('loaded');`],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(output.trim()).toBe('loaded');
  });
});
