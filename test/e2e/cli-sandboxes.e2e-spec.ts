import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startTestPlatform, TestPlatform, TestUser } from '../support/test-platform';
import { sandboxesRunHere, fund } from './support/node-agent-process';
import { NANOPOD_CLI } from '../support/cli-process';

const canRun = sandboxesRunHere();

/** Writes a result and a model under a new directory, as a training script would. */
const TRAIN_PY = [
  'import os',
  "os.makedirs('trained', exist_ok=True)",
  "open('trained/model.bin', 'w').write('w')",
  "open('result.txt', 'w').write('loss=0.1\\n')",
  '',
].join('\n');
const describeIf = canRun ? describe : describe.skip;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

describeIf('the nanopod CLI against a platform with its embedded local node agent', () => {
  let platform: TestPlatform;
  let admin: TestUser;
  let dev: TestUser;
  let work: string;

  function cli(user: TestUser, args: string[], cwd = work): Promise<CliResult> {
    return new Promise((resolve) => {
      const p = spawn(process.execPath, [NANOPOD_CLI, ...args], {
        cwd,
        env: {
          ...process.env,
          NANOPOD_URL: platform.url,
          NANOPOD_API_KEY: user.apiKey,
          NANOPOD_CONFIG_DIR: work,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      p.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  beforeAll(async () => {
    // The embedded default: NANOPOD_LOCAL_NODE_AGENT starts one bubblewrap node in-process.
    platform = await startTestPlatform({ env: { NANOPOD_LOCAL_NODE_AGENT: 'true' } });
    admin = await platform.createUser({ roles: ['admin', 'developer'] });
    dev = await platform.createUser();
    await fund(platform, admin, dev);
    work = mkdtempSync(path.join(tmpdir(), 'nanopod-cli-'));
  }, 120000);

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await platform?.close();
  });

  it("prints 42 for nanopod run -- python3 -c 'print(6*7)'", async () => {
    const r = await cli(dev, ['run', '--name', 'answer', '--', 'python3', '-c', 'print(6*7)']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('42\n');
    expect(r.code).toBe(0);
    // It cleaned up after itself.
    const left = await platform.http().get('/v1/sandboxes').set(dev.auth);
    expect(left.body.data).toEqual([]);
  }, 60000);

  it('uploads the current directory without node_modules or ignored files and exits with the command', async () => {
    writeFileSync(path.join(work, 'data.txt'), 'from-the-laptop\n');
    writeFileSync(path.join(work, '.gitignore'), '*.log\n');
    writeFileSync(path.join(work, 'debug.log'), 'noise');
    mkdirSync(path.join(work, 'node_modules', 'x'), { recursive: true });
    writeFileSync(path.join(work, 'node_modules', 'x', 'index.js'), '');
    const r = await cli(dev, ['run', '--', 'sh', '-c', 'cat data.txt; ls -a; exit 7']);
    expect(r.stdout).toContain('from-the-laptop');
    expect(r.stdout).not.toContain('node_modules');
    expect(r.stdout).not.toContain('debug.log');
    expect(r.code).toBe(7);
  }, 60000);

  it('run: ignore files, symlinks kept inside and left out outside, --out and --json', async () => {
    const project = path.join(work, 'project');
    mkdirSync(path.join(project, 'src'), { recursive: true });
    mkdirSync(path.join(project, 'big'), { recursive: true });
    writeFileSync(path.join(project, 'src', 'train.py'), TRAIN_PY);
    writeFileSync(path.join(project, 'keep.log'), 'kept by negation\n');
    writeFileSync(path.join(project, 'noise.log'), 'noise');
    writeFileSync(path.join(project, '.gitignore'), '*.log\n!keep.log\n');
    writeFileSync(path.join(project, '.nanopodignore'), 'big/\n');
    // 200 MB that must never be read: a sparse file in an ignored folder.
    writeFileSync(path.join(project, 'big', 'dataset.bin'), '');
    truncateSync(path.join(project, 'big', 'dataset.bin'), 200 * 1048576);
    symlinkSync('src/train.py', path.join(project, 'entry.py'));
    symlinkSync('/usr/bin/python3', path.join(project, 'python-outside'));
    const r = await cli(
      dev,
      ['run', '--out', 'out', '--', 'sh', '-c', 'ls -a; python3 entry.py'],
      project,
    );
    expect(r.code).toBe(0);
    const listed = r.stdout.split('\n');
    expect(listed).toEqual(expect.arrayContaining(['keep.log', 'entry.py', 'src']));
    expect(listed).not.toEqual(expect.arrayContaining(['noise.log']));
    expect(listed).not.toEqual(expect.arrayContaining(['big']));
    expect(listed).not.toEqual(expect.arrayContaining(['python-outside']));
    expect(r.stderr).toMatch(
      /left out 1 symlink\(s\) pointing outside this directory: python-outside/,
    );
    expect(r.stderr).toMatch(/brought back 2 file\(s\) into out/);
    expect(readFileSync(path.join(project, 'out', 'result.txt'), 'utf8')).toBe('loss=0.1\n');
    expect(readFileSync(path.join(project, 'out', 'trained', 'model.bin'), 'utf8')).toBe('w');
    // Only what the command wrote comes back: not the uploaded sources.
    expect(existsSync(path.join(project, 'out', 'src'))).toBe(false);

    const j = await cli(
      dev,
      [
        'run',
        '--json',
        '--no-upload',
        '--',
        'sh',
        '-c',
        'echo out; echo err >&2; echo x > f.txt; exit 3',
      ],
      project,
    );
    expect(j.code).toBe(3);
    expect(JSON.parse(j.stdout)).toEqual({
      exit_code: 3,
      stdout: 'out\n',
      stderr: 'err\n',
      files: [expect.objectContaining({ path: 'f.txt', size: 2 })],
    });
  }, 90000);

  it('shows a policy denial with its reasons, not only with --json', async () => {
    const r = await cli(dev, ['sandboxes', 'create', '--workload-class', 'latency_sensitive']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*\(sandbox\.policy_denied\)\n( {2}- \S.*\n)+$/);
  }, 60000);

  it('creates, uploads, execs, downloads and removes a sandbox verb by verb, by its name', async () => {
    const created = await cli(dev, [
      'sandboxes',
      'create',
      '--name',
      'cli-job',
      '--ttl',
      '600',
      '--json',
    ]);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout).name).toBe('cli-job');
    const sandboxId = JSON.parse(created.stdout).id as string;
    // Every verb below takes the name where the id goes.
    const id = 'cli-job';
    writeFileSync(path.join(work, 'job.py'), "open('out.txt','w').write('written')\n");
    expect((await cli(dev, ['sandboxes', 'upload', id, 'job.py'])).code).toBe(0);
    const ran = await cli(dev, ['sandboxes', 'exec', id, '--', 'python3', 'job.py']);
    expect(ran.code).toBe(0);
    const dl = await cli(dev, [
      'sandboxes',
      'download',
      id,
      'out.txt',
      '-o',
      path.join(work, 'got.txt'),
    ]);
    expect(dl.code).toBe(0);
    expect(readFileSync(path.join(work, 'got.txt'), 'utf8')).toBe('written');
    // Piped, the table is tab-separated lines, the name first.
    const ls = await cli(dev, ['sandboxes', 'ls']);
    const [head, ...rows] = ls.stdout.trim().split('\n');
    expect(head.split('\t').slice(0, 4)).toEqual(['NAME', 'ID', 'STATE', 'NODE']);
    // The node by its name (the API's node_name), not its id.
    const nodeName = JSON.parse(created.stdout).node_name as string;
    expect(nodeName).toMatch(/^local-/);
    expect(rows.map((r) => r.split('\t').slice(0, 2))).toContainEqual(['cli-job', sandboxId]);
    expect(rows.find((r) => r.startsWith('cli-job\t'))!.split('\t')[3]).toBe(nodeName);
    const rm = await cli(dev, ['sandboxes', 'rm', id]);
    expect(rm.stdout).toBe('cli-job: deleted\n');
  }, 60000);

  it('lists nodes and runs operator commands across them for admins', async () => {
    const ls = await cli(admin, ['nodes', 'ls', '--json']);
    const nodes = JSON.parse(ls.stdout) as Array<{ zone: string; state: string }>;
    // The local node's forwards are reached on this machine's loopback, as the platform issued.
    expect(nodes).toEqual([
      expect.objectContaining({ zone: 'local', state: 'running', address: '127.0.0.1' }),
    ]);
    const ex = await cli(admin, [
      'nodes',
      'exec',
      '--selector',
      'zone=local',
      '--',
      'echo',
      'hello-node',
    ]);
    expect(ex.code).toBe(0);
    expect(ex.stdout).toContain('hello-node');
    const denied = await cli(dev, ['nodes', 'exec', '--', 'true']);
    expect(denied.code).not.toBe(0);
  }, 60000);

  it('creates a partner and an enrollment token, and cordons a node, for admins', async () => {
    const created = await cli(admin, [
      'partners',
      'create',
      `cli-partner-${process.pid}`,
      '--json',
    ]);
    expect(created.code).toBe(0);
    const partner = JSON.parse(created.stdout) as { id: string };
    const ls = await cli(admin, ['partners', 'ls', '--json']);
    expect(JSON.parse(ls.stdout).map((p: { id: string }) => p.id)).toContain(partner.id);
    // The partner's name where its id goes.
    const token = await cli(admin, [
      'partners',
      'token',
      `cli-partner-${process.pid}`,
      '--zone',
      'edge',
      '--json',
    ]);
    expect(JSON.parse(token.stdout)).toMatchObject({ partner_id: partner.id });
    expect(JSON.parse(token.stdout).token).toMatch(/^npe_/);
    const nodes = JSON.parse((await cli(admin, ['nodes', 'ls', '--json'])).stdout) as Array<{
      id: string;
      name: string;
    }>;
    const cordon = await cli(admin, ['nodes', 'cordon', nodes[0].id, '--json']);
    expect(JSON.parse(cordon.stdout).cordoned).toBe(true);
    const un = await cli(admin, ['nodes', 'uncordon', nodes[0].id]);
    expect(un.code).toBe(0);
    const got = await cli(admin, ['nodes', 'get', nodes[0].name, '--json']);
    expect(JSON.parse(got.stdout)).toMatchObject({ id: nodes[0].id, cordoned: false });
  }, 90000);
});
