import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const boundaries = require('../../eslint-boundaries.cjs');

const ROOT = path.resolve(__dirname, '../..');

function lint(file: string, source: string): string[] {
  const linter = new Linter({ configType: 'flat', cwd: ROOT });
  const messages = linter.verify(
    source,
    [
      {
        files: ['**/*.ts', '**/*.tsx'],
        languageOptions: { parser: tseslint.parser as Linter.Parser },
        plugins: { nanopod: boundaries.plugin },
        rules: { 'nanopod/boundaries': 'error' },
      },
    ],
    path.join(ROOT, file),
  );
  return messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the dependency-order lint rule', () => {
  it('lets a lib import a lower lib and rego', () => {
    expect(lint('libs/billing/src/fixture.ts', "import { X } from '@nanopod/identity';")).toEqual(
      [],
    );
    expect(lint('libs/policy/src/fixture.ts', "import { X } from '@nanopod/rego';")).toEqual([]);
    expect(lint('libs/sandbox/src/fixture.ts', "import { X } from '@nanopod/federation';")).toEqual(
      [],
    );
  });

  it('refuses an import of a higher lib or of a lib in the same layer', () => {
    expect(lint('libs/identity/src/fixture.ts', "import { X } from '@nanopod/billing';")).toEqual([
      expect.stringContaining("'identity' may not import 'billing'"),
    ]);
    expect(lint('libs/reputation/src/fixture.ts', "import { X } from '@nanopod/policy';")).toEqual([
      expect.stringContaining('in the same layer'),
    ]);
    expect(lint('libs/federation/src/fixture.ts', "export * from '@nanopod/market';")).toHaveLength(
      1,
    );
    expect(
      lint('libs/compute/src/fixture.ts', "const s = await import('@nanopod/serving');"),
    ).toHaveLength(1);
  });

  it('keeps rego standalone', () => {
    expect(lint('libs/rego/src/fixture.ts', "import { X } from '@nanopod/common';")).toEqual([
      expect.stringContaining("'rego' stands alone"),
    ]);
  });

  it('refuses a lib missing from the order until someone places it', () => {
    expect(lint('libs/newthing/src/fixture.ts', "import { X } from '@nanopod/common';")).toEqual([
      expect.stringContaining("'newthing' is not in the dependency order"),
    ]);
  });

  it('refuses deep imports through the alias or a relative path', () => {
    expect(
      lint('libs/billing/src/fixture.ts', "import { X } from '@nanopod/identity/services/x';"),
    ).toEqual([expect.stringContaining('deep import')]);
    expect(
      lint('libs/billing/src/a/fixture.ts', "import { X } from '../../../identity/src/x';"),
    ).toEqual([expect.stringContaining('deep import')]);
    expect(lint('test/fixture.spec.ts', "import { X } from '../libs/policy/src/engine';")).toEqual([
      expect.stringContaining('deep import'),
    ]);
    // Inside its own lib a relative import is the normal case.
    expect(lint('libs/billing/src/a/fixture.ts', "import { X } from '../ledger/x';")).toEqual([]);
  });

  it("refuses an app importing another app's source, and a lib importing an app", () => {
    expect(
      lint('apps/platform/src/fixture.ts', "import { X } from '../../node-agent/src/agent';"),
    ).toEqual([expect.stringContaining("app 'platform' may not import app 'node-agent'")]);
    expect(
      lint('apps/cli/scripts/fixture.ts', "const x = require('../../platform/src/x');"),
    ).toEqual([expect.stringContaining("app 'cli' may not import app 'platform'")]);
    expect(
      lint('libs/common/src/fixture.ts', "import { X } from '../../../apps/cli/src/x';"),
    ).toEqual([expect.stringContaining('a lib may not import an app')]);
    // Apps sit on top of every lib; tests sit on top of everything.
    expect(lint('apps/cli/src/fixture.ts', "import { X } from '@nanopod/sandbox';")).toEqual([]);
    expect(
      lint(
        'libs/identity/test/fixture.e2e-spec.ts',
        "import { X } from '../../../apps/platform/src/bootstrap';",
      ),
    ).toEqual([]);
  });

  it('fails `eslint` with the repository config on a forbidden fixture import', () => {
    const run = (file: string, source: string) =>
      spawnSync(
        process.execPath,
        [path.join(ROOT, 'node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', file],
        { cwd: ROOT, input: source, encoding: 'utf8', timeout: 120_000 },
      );
    const bad = run('libs/identity/src/fixture.ts', "export { X } from '@nanopod/billing';\n");
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('nanopod/boundaries');
    const good = run('libs/billing/src/fixture.ts', "export { X } from '@nanopod/identity';\n");
    expect(good.stdout).not.toContain('nanopod/boundaries');
    expect(good.status).toBe(0);
  }, 180_000);
});
