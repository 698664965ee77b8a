import { runCli } from '../../../test/support/cli-process';
import { startTestPlatform, TestPlatform, TestUser } from '../../../test/support/test-platform';

describe('nanopod grants and nanopod reputation (CLI)', () => {
  let platform: TestPlatform;
  let admin: TestUser;
  let dev: TestUser;

  beforeAll(async () => {
    platform = await startTestPlatform();
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
    dev = await platform.createUser();
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
  });

  const cli = (user: TestUser, args: string[]) =>
    runCli(args, {
      NANOPOD_URL: platform.url,
      NANOPOD_API_KEY: user.apiKey,
      HOME: '/nonexistent-home',
    }).done;

  it('creates a program, applies, approves, and shows the active grant', async () => {
    const end = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const created = await cli(admin, [
      'grants',
      'programs',
      'create',
      '--name',
      'PyTorch CLI',
      '--monthly-gpu-hours',
      '20',
      '--rate',
      '0',
      '--end',
      end,
      '--json',
    ]);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: 'PyTorch CLI',
      monthly_gpu_hours: 20,
      state: 'open',
    });

    const table = await cli(dev, ['grants', 'programs', 'ls']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/NAME[\s\S]*PyTorch CLI[\s\S]*open/);

    const applied = await cli(dev, [
      'grants',
      'apply',
      'pytorch cli',
      '--statement',
      'I fix flaky CUDA tests in pytorch.',
    ]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/Applied to PyTorch CLI/);

    const denied = await cli(dev, ['grants', 'applications', 'ls']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/auth\./);

    const open = await cli(admin, ['grants', 'applications', 'ls', '--json']);
    const [app] = JSON.parse(open.stdout) as { id: string; github_login: string }[];
    expect(app).toMatchObject({ github_login: dev.githubLogin });

    const noNote = await cli(admin, ['grants', 'applications', 'reject', app!.id]);
    expect(noNote.code).not.toBe(0);
    const approved = await cli(admin, [
      'grants',
      'applications',
      'approve',
      app!.id,
      '--note',
      'welcome',
    ]);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/Approved: PyTorch CLI is active/);

    const mine = await cli(dev, ['grants', 'ls', '--json']);
    expect(JSON.parse(mine.stdout).grants).toEqual([
      expect.objectContaining({ program: 'PyTorch CLI', status: 'active' }),
    ]);
    const mineTable = await cli(dev, ['grants', 'ls']);
    expect(mineTable.stdout).toMatch(/PyTorch CLI[\s\S]*active/);
  });

  it('shows the reputation with unknown parts when nothing is configured', async () => {
    const shown = await cli(dev, ['reputation', 'show']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/Reputation: unknown/);
    expect(shown.stdout).toMatch(/unknown \(not_configured\)/);
    const json = await cli(dev, ['reputation', 'refresh', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'unknown', score: null });
    const again = await cli(dev, ['reputation', 'refresh']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/reputation\.rate_limited/);
  });
});
