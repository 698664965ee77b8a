import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../../test/support/cli-process';
import { databaseKinds } from '../../../test/support/test-database';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';

const ROOT = path.resolve(__dirname, '../../..');

// Every verb is a child process starting the CLI from TypeScript: slow on a busy machine.
jest.setTimeout(240_000);

describe('nanopod policies, without a server', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nanopod-policies-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints parse errors as file:row:col: code: message and exits non-zero', async () => {
    const file = path.join(dir, 'broken.rego');
    writeFileSync(file, 'package broken\n\nallow if {\n\tinput.x := := 1\n}\n');
    const { code, stderr } = await runCli(['policies', 'validate', file], {}).done;
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:\\d+: rego_parse_error: `, 'm'),
    );
  });

  it('says ok for a valid file', async () => {
    const { code, stdout } = await runCli(
      ['policies', 'validate', path.join(ROOT, 'policies/subsidy.rego')],
      {},
    ).done;
    expect(code).toBe(0);
    expect(stdout).toContain('subsidy.rego: ok');
  });

  it('runs the shipped policy tests locally', async () => {
    const { code, stdout } = await runCli(
      ['policies', 'test', path.join(ROOT, 'policies'), '--json'],
      {},
    ).done;
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { passed: number; failed: number };
    expect(out.failed).toBe(0);
    expect(out.passed).toBeGreaterThan(30);
  });

  it('fails when a test rule fails, naming it', async () => {
    const pdir = path.join(dir, 'failing');
    rmSync(pdir, { recursive: true, force: true });
    mkdirSync(pdir);
    writeFileSync(path.join(pdir, 'p.rego'), 'package p\n\nx := 1\n');
    writeFileSync(
      path.join(pdir, 'p_test.rego'),
      'package p_test\n\nimport data.p\n\ntest_x_is_two if p.x == 2\n\ntest_x_is_one if p.x == 1\n',
    );
    const { code, stdout } = await runCli(['policies', 'test', pdir], {}).done;
    expect(code).toBe(1);
    expect(stdout).toMatch(/test_x_is_two\s*│\s*FAIL|test_x_is_two.*FAIL/);
    expect(stdout).toContain('1 passed, 1 failed');
  });
});

describe.each(databaseKinds())('nanopod policies against the platform (%s)', (kind) => {
  let platform: TestPlatform;
  let admin: TestUser;
  let work: string;
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli(
      ['policies', ...args],
      { NANOPOD_URL: platform.url, NANOPOD_API_KEY: admin.apiKey, ...env },
      { cwd: work },
    ).done;

  beforeAll(async () => {
    platform = await startTestPlatform({ kind });
    admin = await platform.createUser({ roles: ['developer', 'admin'] });
    work = mkdtempSync(path.join(tmpdir(), 'nanopod-policies-work-'));
  });
  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await platform?.close();
  });

  it('lists, edits into a draft, dry-runs, activates, logs and rolls back', async () => {
    const ls = await cli(['ls', '--json']);
    expect(ls.code).toBe(0);
    expect((JSON.parse(ls.stdout) as Array<{ name: string }>).map((p) => p.name).sort()).toEqual([
      'gateway',
      'placement',
      'subsidy',
    ]);

    const get = await cli(['get', 'subsidy']);
    expect(get.stdout).toContain('package nanopod.subsidy');

    // $EDITOR is any command that edits the file it is given.
    const edit = await cli(['edit', 'subsidy', '-m', 'cheaper'], {
      EDITOR: `sed -i 's/^passport_rate := 0.5$/passport_rate := 0.4/'`,
    });
    expect(edit.stderr).toBe('');
    expect(edit.stdout).toContain('saved draft version 2 of subsidy');

    const badEdit = await cli(['edit', 'subsidy'], {
      EDITOR: `sed -i 's/^passport_rate := 0.5$/passport_rate := := 0.4/'`,
    });
    expect(badEdit.code).toBe(1);
    expect(badEdit.stderr).toMatch(/^subsidy\.rego:\d+:\d+: rego_parse_error: /m);
    // The rejected edit is kept, ready to fix and push.
    expect(badEdit.stderr).toContain('your edit is kept in ./subsidy.edit.rego');
    expect(readFileSync(path.join(work, 'subsidy.edit.rego'), 'utf8')).toMatch(
      /^passport_rate := := 0\.4$/m,
    );

    const tests = await cli(['test', '--version', '2', '--policy', 'subsidy', '--json']);
    expect(tests.code).toBe(1);
    expect(JSON.parse(tests.stdout).failed).toBeGreaterThan(0);

    const dry = await cli(['dry-run', 'subsidy', '2', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ flips: 0 });

    // Its tests fail: refused with the failing tests listed, then activated with --force.
    const refused = await cli(['activate', 'subsidy', '2', '-m', 'ship it']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /\(policy\.tests_failing\)\n {2}- nanopod\.subsidy_test\.test_\w+: /,
    );
    expect(refused.stderr).not.toMatch(/: undefined$/m);
    const act = await cli(['activate', 'subsidy', '2', '-m', 'ship it', '--force']);
    expect(act.code).toBe(0);
    expect(act.stdout).toContain('+passport_rate := 0.4');

    const back = await cli(['rollback', 'subsidy', '1', '--json']);
    expect(back.code).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({
      kind: 'rollback',
      from_version: 2,
      to_version: 1,
    });

    const log = await cli(['log', 'subsidy', '--json']);
    expect((JSON.parse(log.stdout) as Array<{ kind: string }>).map((a) => a.kind)).toEqual([
      'rollback',
      'activate',
      'seed',
    ]);

    const versions = await cli(['get', 'subsidy', '--versions']);
    expect(versions.stdout).toMatch(/^2\tarchived/m);
  });

  it('pushes a file as a version, runs its tests, and activates only when they pass', async () => {
    const active = (await cli(['get', 'subsidy'])).stdout;
    const failing = path.join(work, 'cheaper.rego');
    writeFileSync(failing, active.replace(/^passport_rate := 0\.5$/m, 'passport_rate := 0.3'));
    const pushed = await cli(['push', 'subsidy', failing, '--activate']);
    expect(pushed.code).toBe(1);
    expect(pushed.stdout).toMatch(
      /^saved draft version (\d+) of subsidy: \d+ test\(s\) passed, [1-9]\d* failed$/m,
    );
    expect(pushed.stdout).toMatch(/^ {2}FAIL nanopod\.subsidy_test\.test_\w+: /m);
    expect(pushed.stderr).toMatch(/^error: version \d+ is saved as a draft, but its tests fail$/m);

    // A draft can be continued: edit starts from it, not from the active version.
    const draft = Number(/saved draft version (\d+)/.exec(pushed.stdout)![1]);
    const continued = await cli(['edit', 'subsidy', '--version', String(draft)], {
      EDITOR: `sed -i 's/^passport_rate := 0.3$/passport_rate := 0.5/'`,
    });
    expect(continued.stdout).toMatch(/saved draft version \d+ of subsidy/);

    const fine = path.join(work, 'commented.rego');
    writeFileSync(fine, `# reviewed\n${active}`);
    const ok = await cli(['push', 'subsidy', fine, '--activate', '--json']);
    expect(ok.code).toBe(0);
    const out = JSON.parse(ok.stdout) as {
      version: number;
      activated: boolean;
      tests: { failed: number };
    };
    expect(out).toMatchObject({ activated: true, tests: { failed: 0 } });
    const now = await cli(['get', 'subsidy']);
    expect(now.stdout.startsWith('# reviewed')).toBe(true);
  });

  it('refuses a developer with a non-zero exit and the error on stderr', async () => {
    const dev = await platform.createUser({ roles: ['developer'] });
    const res = await cli(['ls'], { NANOPOD_API_KEY: dev.apiKey });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/auth\.(admin_required|forbidden)/);
  });
});
