import { fileURLToPath } from 'node:url';
import { createProjectGraphAsync } from '@nx/devkit';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Lints a snippet as if it were a file at `filePath`, returning the module-boundary messages. */
async function boundaryViolations(filePath: string, source: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(source, { filePath: `${root}${filePath}` });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === '@nx/enforce-module-boundaries')
    .map((message) => message.message);
}

describe('module boundaries', () => {
  beforeAll(async () => {
    // The rule reads the cached project graph; make sure it exists, as `npm run lint` does.
    await createProjectGraphAsync({ exitOnError: false });
  }, 120_000);

  it('forbids an app from importing another app', async () => {
    const violations = await boundaryViolations(
      'apps/ingest/src/boundary-probe.ts',
      "import { bootstrap } from '../../mailbox/src/main.js';\nexport const probe = bootstrap;\n",
    );
    expect(violations.length).toBeGreaterThan(0);
  });

  it('forbids the contracts library from depending on the test kit', async () => {
    // The test kit builds on the contracts, so the rule reports this one as a dependency cycle.
    const violations = await boundaryViolations(
      'libs/contracts/src/boundary-probe.ts',
      "import { expectEventually } from '@pushmail/testing';\nexport const probe = expectEventually;\n",
    );
    expect(violations.join('\n')).toMatch(/Circular dependency between "contracts" and "testing"/);
  });

  it('forbids a runtime library from depending on the test kit', async () => {
    // The test kit builds on the runtime libraries (their device and SMTP clients), so the rule
    // reports this one as a dependency cycle too.
    const violations = await boundaryViolations(
      'libs/jmap/src/boundary-probe.ts',
      "import { expectEventually } from '@pushmail/testing';\nexport const probe = expectEventually;\n",
    );
    expect(violations.join('\n')).toMatch(/Circular dependency between "jmap" and "testing"/);
  });

  it("forbids an app's production code from depending on the test kit by its tags", async () => {
    const violations = await boundaryViolations(
      'apps/ingest/src/boundary-probe.ts',
      "import { expectEventually } from '@pushmail/testing';\nexport const probe = expectEventually;\n",
    );
    expect(violations.join('\n')).toMatch(
      /tagged with "type:app" can only depend on libs tagged with "type:contracts", "type:util", "type:data"/,
    );
  });

  it('lets an app use the contracts and platform libraries', async () => {
    const violations = await boundaryViolations(
      'apps/ingest/src/boundary-probe.ts',
      "import { mailArrivedTopic } from '@pushmail/contracts';\nimport { createLogger } from '@pushmail/platform';\nexport const probe = [mailArrivedTopic, createLogger];\n",
    );
    expect(violations).toEqual([]);
  });
});
