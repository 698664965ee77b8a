import type { AgentMessage } from '@nanopod/federation';
import { DaytonaFake } from '../../../test/fakes/daytona/daytona-fake';
import { DaytonaDriver, shellJoin } from '../src/runtime/daytona-driver';
import type { RuntimeDriver } from '../src/runtime/runtime-driver';
import { ManagerHarness, sandboxSpec } from './support/manager-harness';

describe('the daytona runtime driver against the Daytona API', () => {
  let daytona: DaytonaFake;
  let harness: ManagerHarness;
  let driver: DaytonaDriver;

  beforeAll(async () => {
    daytona = await new DaytonaFake().start();
    driver = new DaytonaDriver({ api_url: daytona.url, api_key: daytona.apiKey });
    harness = new ManagerHarness(() => new Map<string, RuntimeDriver>([['daytona', driver]]));
    await harness.manager.recover();
  });

  afterAll(async () => {
    await harness.close();
    await driver.close();
    await daytona.stop();
  });

  it('quotes argv for the toolbox shell so arguments arrive intact', () => {
    expect(shellJoin(['echo', 'a b', "it's", '$HOME'])).toBe(`echo 'a b' 'it'\\''s' '$HOME'`);
  });

  it('creates a Daytona sandbox on start, labelled with ours, network blocked by default', async () => {
    const spec = await harness.start(sandboxSpec({ runtime: 'daytona', env: { MODE: 'test' } }));
    const remote = [...daytona.sandboxes.values()].find(
      (s) => s.labels['nanopod/sandbox'] === spec.sandbox_id,
    );
    expect(remote).toBeDefined();
    expect(remote!.env).toEqual({ MODE: 'test' });
    expect(remote!.networkBlockAll).toBe(true);
    expect(remote!.autoStopInterval).toBe(0);
  });

  it('uploads, runs, lists and downloads through the toolbox', async () => {
    const spec = await harness.start(sandboxSpec({ runtime: 'daytona', env: { MODE: 'test' } }));
    const script = Buffer.from('echo "mode=$MODE arg=$1" > out.txt; echo done; exit 4\n');
    const put = await harness.request({
      type: 'file.put',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: 'app/main.sh',
      data_base64: script.toString('base64'),
    });
    expect(put).toMatchObject({ type: 'file.put.ok', bytes: script.length });

    const result = await harness.exec(spec.sandbox_id, ['sh', 'app/main.sh', 'two words']);
    expect(result.stdout).toBe('done\n');
    expect(result.exit).toMatchObject({ exit_code: 4, signal: null });

    const list = await harness.request({
      type: 'file.list',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: '.',
    });
    const entries = (list as Extract<AgentMessage, { type: 'file.list.ok' }>).entries;
    expect(entries.map((e) => `${e.type}:${e.path}`)).toEqual(['dir:app', 'file:out.txt']);

    const got = await harness.request({
      type: 'file.get',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: 'out.txt',
    });
    expect(got.type).toBe('file.get.ok');
    expect(
      Buffer.from(
        (got as Extract<AgentMessage, { type: 'file.get.ok' }>).data_base64,
        'base64',
      ).toString(),
    ).toBe('mode=test arg=two words\n');
    const missing = await harness.request({
      type: 'file.get',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: 'nope',
    });
    expect(missing).toMatchObject({ type: 'error', code: 'agent.file_not_found' });
  });

  it('unpacks a tar.gz upload and refuses one that climbs out', async () => {
    const tar = await import('tar');
    const { mkdtempSync, writeFileSync, readFileSync, mkdirSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = mkdtempSync('/tmp/nanopod-daytona-tar-');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'a.txt'), 'alpha');
    await tar.c({ gzip: true, file: join(dir, 'ok.tgz'), cwd: dir }, ['src']);
    const spec = await harness.start(sandboxSpec({ runtime: 'daytona' }));
    const ok = await harness.request({
      type: 'file.put',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: 'proj',
      archive: 'tar.gz',
      data_base64: readFileSync(join(dir, 'ok.tgz')).toString('base64'),
    });
    expect(ok).toMatchObject({ type: 'file.put.ok', bytes: 5 });
    expect((await harness.exec(spec.sandbox_id, ['cat', 'proj/src/a.txt'])).stdout).toBe('alpha');

    mkdirSync(join(dir, 'inner'));
    await tar.c(
      { gzip: true, file: join(dir, 'bad.tgz'), cwd: join(dir, 'inner'), preservePaths: true },
      ['../ok.tgz'],
    );
    const bad = await harness.request({
      type: 'file.put',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: '.',
      archive: 'tar.gz',
      data_base64: readFileSync(join(dir, 'bad.tgz')).toString('base64'),
    });
    expect(bad).toMatchObject({ type: 'error', code: 'agent.path_invalid' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops and deletes the remote sandbox', async () => {
    const spec = await harness.start(sandboxSpec({ runtime: 'daytona' }));
    const remote = [...daytona.sandboxes.values()].find(
      (s) => s.labels['nanopod/sandbox'] === spec.sandbox_id,
    )!;
    const stopped = await harness.request({
      type: 'sandbox.stop',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      reason: 'idle',
    });
    expect(stopped).toMatchObject({ type: 'sandbox.state', state: 'stopped' });
    expect(remote.state).toBe('stopped');
    const restarted = await harness.request({ type: 'sandbox.start', id: harness.nextId(), spec });
    expect(restarted).toMatchObject({ state: 'running' });
    expect(remote.state).toBe('started');
    await harness.request({
      type: 'sandbox.delete',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
    });
    expect(daytona.sandboxes.has(remote.id)).toBe(false);
  });

  it('fails a start with a clear reason when the API key is wrong', async () => {
    const wrong = new DaytonaDriver({ api_url: daytona.url, api_key: 'dtn_wrong' });
    const other = new ManagerHarness(() => new Map<string, RuntimeDriver>([['daytona', wrong]]));
    await other.manager.recover();
    const reply = await other.request({
      type: 'sandbox.start',
      id: 'x1',
      spec: sandboxSpec({ runtime: 'daytona' }),
    });
    expect(reply).toMatchObject({ type: 'sandbox.state', state: 'failed' });
    expect((reply as { reason: string }).reason).toMatch(/Invalid API key|401|auth/i);
    await other.close();
    await wrong.close();
  });
});
