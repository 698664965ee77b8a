import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { AgentMessage } from '@nanopod/federation';
import { BWRAP, ManagerHarness, sandboxProcesses, sandboxSpec } from './support/manager-harness';

const describeBwrap = existsSync(BWRAP) ? describe : describe.skip;
if (!existsSync(BWRAP))
  console.log(`bubblewrap not found at ${BWRAP}: sandbox manager tests skipped`);

describeBwrap('the sandbox manager runs platform requests with the bwrap driver', () => {
  let harness: ManagerHarness;

  beforeAll(async () => {
    harness = new ManagerHarness();
    await harness.manager.recover();
  });

  afterAll(async () => {
    await harness.close();
  });

  it('streams stdout and stderr as they are written, in order, before the exit', async () => {
    const spec = await harness.start(sandboxSpec());
    const id = harness.nextId();
    const arrivals: Array<{ at: number; message: AgentMessage }> = [];
    const start = Date.now();
    const seen = new Set<AgentMessage>();
    const poll = setInterval(() => {
      for (const m of harness.sent) {
        if (!seen.has(m) && 'id' in m && m.id === id) {
          seen.add(m);
          arrivals.push({ at: Date.now() - start, message: m });
        }
      }
    }, 5);
    const exit = harness.waitFor((m) => m.type === 'exec.exit' && m.id === id);
    await harness.manager.handle({
      type: 'exec',
      id,
      sandbox_id: spec.sandbox_id,
      argv: ['sh', '-c', 'echo one; sleep 0.4; echo two >&2; sleep 0.4; echo three'],
    });
    await exit;
    await new Promise((r) => setTimeout(r, 20));
    clearInterval(poll);
    const outputs = arrivals.filter((a) => a.message.type === 'exec.output');
    const texts = outputs.map((a) => {
      const m = a.message as Extract<AgentMessage, { type: 'exec.output' }>;
      return `${m.stream}:${Buffer.from(m.data_base64, 'base64').toString().trim()}`;
    });
    expect(texts).toEqual(['stdout:one', 'stderr:two', 'stdout:three']);
    const exitAt = arrivals.find((a) => a.message.type === 'exec.exit')!.at;
    // The first line arrived long before the command ended (0.8 s of sleeps after it):
    // streamed, not buffered; the margin absorbs a busy machine's timer lag.
    expect(exitAt - outputs[0].at).toBeGreaterThan(400);
  });

  it('reports exit codes, and signals with the reason when the agent ended the command', async () => {
    const spec = await harness.start(sandboxSpec());
    expect((await harness.exec(spec.sandbox_id, ['true'])).exit).toMatchObject({
      exit_code: 0,
      signal: null,
    });
    expect((await harness.exec(spec.sandbox_id, ['sh', '-c', 'exit 7'])).exit.exit_code).toBe(7);
    expect((await harness.exec(spec.sandbox_id, ['false'])).exit.exit_code).toBe(1);
    const missing = await harness.exec(spec.sandbox_id, ['no-such-command']);
    expect(missing.exit.exit_code).not.toBe(0);
    expect(missing.stderr).toContain('no-such-command');
    const timed = await harness.exec(spec.sandbox_id, ['sleep', '30'], { timeout_seconds: 1 });
    expect(timed.exit).toMatchObject({
      exit_code: null,
      signal: 'SIGKILL',
      reason: 'wall_time_limit',
    });
    expect(timed.exit.duration_ms).toBeGreaterThanOrEqual(900);
  });

  it('passes env and cwd, and answers exec.cancel by killing the command', async () => {
    const spec = await harness.start(sandboxSpec({ env: { A: 'from-spec' } }));
    await harness.exec(spec.sandbox_id, ['mkdir', '-p', 'sub/dir']);
    const result = await harness.exec(spec.sandbox_id, ['sh', '-c', 'pwd; echo $A $B'], {
      cwd: 'sub/dir',
      env: { B: 'from-exec' },
    });
    expect(result.stdout).toBe('/work/sub/dir\nfrom-spec from-exec\n');

    const id = harness.nextId();
    const exit = harness.waitFor((m) => m.type === 'exec.exit' && m.id === id);
    await harness.manager.handle({
      type: 'exec',
      id,
      sandbox_id: spec.sandbox_id,
      argv: ['sleep', '30'],
    });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await harness.manager.handle({ type: 'exec.cancel', id });
    expect(await exit).toMatchObject({ reason: 'cancelled', signal: 'SIGKILL' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('puts, lists and gets files, single and as a tar.gz archive', async () => {
    const spec = await harness.start(sandboxSpec());
    const put = await harness.request({
      type: 'file.put',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: 'code/main.py',
      data_base64: Buffer.from('print(6*7)\n').toString('base64'),
    });
    expect(put).toMatchObject({ type: 'file.put.ok', bytes: 11 });

    const tar = await import('tar');
    const src = mkdtempSync('/tmp/nanopod-src-');
    mkdirSync(join(src, 'pkg'));
    writeFileSync(join(src, 'pkg', 'data.txt'), 'data');
    writeFileSync(join(src, 'readme.md'), '# hi');
    await tar.c({ gzip: true, file: join(src, 'a.tgz'), cwd: src }, ['pkg', 'readme.md']);
    const archive = await harness.request({
      type: 'file.put',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: '/work/project',
      archive: 'tar.gz',
      data_base64: readFileSync(join(src, 'a.tgz')).toString('base64'),
    });
    expect(archive).toMatchObject({ type: 'file.put.ok', bytes: 8 });
    rmSync(src, { recursive: true, force: true });

    const run = await harness.exec(spec.sandbox_id, [
      'sh',
      '-c',
      'cat project/pkg/data.txt; python3 code/main.py > out.txt || echo 42 > out.txt',
    ]);
    expect(run.stdout).toBe('data');
    const list = await harness.request({
      type: 'file.list',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: '.',
    });
    expect(list.type).toBe('file.list.ok');
    const paths = (list as Extract<AgentMessage, { type: 'file.list.ok' }>).entries.map(
      (e) => `${e.type}:${e.path}`,
    );
    expect(paths).toEqual(
      expect.arrayContaining([
        'dir:code',
        'file:code/main.py',
        'file:out.txt',
        'file:project/pkg/data.txt',
        'file:project/readme.md',
      ]),
    );
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
    ).toBe('42\n');
    // Files the agent wrote belong to the sandbox, which can change them.
    const own = await harness.exec(spec.sandbox_id, [
      'sh',
      '-c',
      'echo more >> code/main.py && stat -c %u project/pkg/data.txt',
    ]);
    expect(own.stdout).toBe('1000\n');
    const missing = await harness.request({
      type: 'file.get',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: 'nope.txt',
    });
    expect(missing).toMatchObject({ type: 'error', code: 'agent.file_not_found' });
  });

  it('refuses files past the sandbox disk limit with agent.file_too_large', async () => {
    const spec = await harness.start(
      sandboxSpec({
        limits: { memory_mb: 256, pids: 32, cpu_seconds: 10, wall_seconds: 10, disk_mb: 1 },
      }),
    );
    const reply = await harness.request({
      type: 'file.put',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: 'big.bin',
      data_base64: Buffer.alloc(2 * 1048576).toString('base64'),
    });
    expect(reply).toMatchObject({ type: 'error', code: 'agent.file_too_large' });
  });

  it('stops a sandbox by killing its processes, keeps its files, and deletes them on delete', async () => {
    const spec = await harness.start(sandboxSpec());
    await harness.exec(spec.sandbox_id, ['sh', '-c', 'echo kept > kept.txt']);
    const workDir = join(harness.stateDir, 'sandboxes', spec.sandbox_id, 'work');
    const uid = statSync(workDir).uid;
    const sleeperId = harness.nextId();
    const sleeperExit = harness.waitFor((m) => m.type === 'exec.exit' && m.id === sleeperId);
    await harness.manager.handle({
      type: 'exec',
      id: sleeperId,
      sandbox_id: spec.sandbox_id,
      argv: ['sleep', '60.25'],
    });
    await new Promise((r) => setTimeout(r, 100));
    const stopped = await harness.request({
      type: 'sandbox.stop',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      reason: 'idle',
    });
    expect(stopped).toMatchObject({ type: 'sandbox.state', state: 'stopped', reason: 'idle' });
    expect(await sleeperExit).toMatchObject({ type: 'exec.exit', signal: 'SIGKILL' });
    expect(sandboxProcesses(uid, 'sleep 60.25')).toHaveLength(0);
    expect(readFileSync(join(workDir, 'kept.txt'), 'utf8')).toBe('kept\n');
    const refused = await harness.request({
      type: 'exec',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      argv: ['true'],
    });
    expect(refused).toMatchObject({ type: 'error', code: 'agent.sandbox_stopped' });
    const file = await harness.request({
      type: 'file.get',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: 'kept.txt',
    });
    expect(file.type).toBe('file.get.ok');

    const deleted = await harness.request({
      type: 'sandbox.delete',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
    });
    expect(deleted).toMatchObject({ type: 'sandbox.state', sandbox_id: spec.sandbox_id });
    expect(existsSync(join(harness.stateDir, 'sandboxes', spec.sandbox_id))).toBe(false);
    const gone = await harness.request({
      type: 'file.list',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
      path: '.',
    });
    expect(gone).toMatchObject({ type: 'error', code: 'agent.sandbox_not_found' });
  });

  it('a stop kills a command whose spawn is still in flight and refuses an exec arriving mid-stop', async () => {
    const spec = await harness.start(sandboxSpec());
    const uid = statSync(join(harness.stateDir, 'sandboxes', spec.sandbox_id, 'work')).uid;
    const inFlightId = harness.nextId();
    const inFlightExit = harness.waitFor((m) => m.type === 'exec.exit' && m.id === inFlightId);
    // No pause: the stop is sent while the helper may not have spawned the command yet.
    await harness.manager.handle({
      type: 'exec',
      id: inFlightId,
      sandbox_id: spec.sandbox_id,
      argv: ['sleep', '60.35'],
    });
    const stopId = harness.nextId();
    const stopped = harness.waitFor((m) => 'id' in m && m.id === stopId);
    const stopping = harness.manager.handle({
      type: 'sandbox.stop',
      id: stopId,
      sandbox_id: spec.sandbox_id,
      reason: 'idle',
    });
    const lateId = harness.nextId();
    const late = harness.waitFor((m) => 'id' in m && m.id === lateId && m.type !== 'exec.output');
    await harness.manager.handle({
      type: 'exec',
      id: lateId,
      sandbox_id: spec.sandbox_id,
      argv: ['sleep', '60.36'],
    });
    await stopping;
    expect(await stopped).toMatchObject({ type: 'sandbox.state', state: 'stopped' });
    expect(await late).toMatchObject({ type: 'error', code: 'agent.sandbox_stopped' });
    expect(await inFlightExit).toMatchObject({ type: 'exec.exit', signal: 'SIGKILL' });
    // stop() answers once the processes are gone, not when the kill was sent.
    expect(sandboxProcesses(uid, 'sleep 60.3')).toHaveLength(0);
    // Nothing queued shows up later either.
    await new Promise((r) => setTimeout(r, 500));
    expect(sandboxProcesses(uid, 'sleep 60.3')).toHaveLength(0);
  });

  it('a start that arrives while the stop runs waits for it, then starts the sandbox again with its files', async () => {
    // The platform marks an idle sandbox stopped before the agent has stopped it: the next
    // exec asks for a start while the stop still kills processes and writes the record.
    const spec = await harness.start(sandboxSpec());
    await harness.exec(spec.sandbox_id, ['sh', '-c', 'echo kept > kept.txt']);
    const sleeperId = harness.nextId();
    await harness.manager.handle({
      type: 'exec',
      id: sleeperId,
      sandbox_id: spec.sandbox_id,
      argv: ['sleep', '60.45'],
    });
    await new Promise((r) => setTimeout(r, 100));
    const [stopped, started] = await Promise.all([
      harness.request({
        type: 'sandbox.stop',
        id: harness.nextId(),
        sandbox_id: spec.sandbox_id,
        reason: 'idle',
      }),
      harness.request({ type: 'sandbox.start', id: harness.nextId(), spec }),
    ]);
    expect(stopped).toMatchObject({ type: 'sandbox.state', state: 'stopped' });
    expect(started).toMatchObject({ type: 'sandbox.state', state: 'running' });
    const after = await harness.exec(spec.sandbox_id, ['cat', 'kept.txt']);
    expect(after).toMatchObject({ stdout: 'kept\n', exit: { exit_code: 0 } });
    const record = JSON.parse(
      readFileSync(join(harness.stateDir, 'sandboxes', spec.sandbox_id, 'sandbox.json'), 'utf8'),
    ) as { state: string };
    expect(record.state).toBe('running');
    await harness.request({
      type: 'sandbox.delete',
      id: harness.nextId(),
      sandbox_id: spec.sandbox_id,
    });
  });

  it('runs operator commands on the host with streamed output and a timeout', async () => {
    const ok = await harness.request({
      type: 'node.exec',
      id: 'op_1',
      argv: ['sh', '-c', 'echo on-host; exit 3'],
      timeout_seconds: 5,
    });
    expect(ok).toMatchObject({ type: 'exec.exit', exit_code: 3 });
    const out = harness.sent.filter((m) => m.type === 'exec.output' && m.id === 'op_1') as Array<
      Extract<AgentMessage, { type: 'exec.output' }>
    >;
    expect(Buffer.from(out[0].data_base64, 'base64').toString()).toBe('on-host\n');
    const slow = await harness.request({
      type: 'node.exec',
      id: 'op_2',
      argv: ['sleep', '30'],
      timeout_seconds: 1,
    });
    expect(slow).toMatchObject({ type: 'exec.exit', reason: 'wall_time_limit' });
  });

  it('answers ping with pong and unknown sandboxes with agent.sandbox_not_found', async () => {
    expect(await harness.request({ type: 'ping', id: 'p1' })).toEqual({ type: 'pong', id: 'p1' });
    const reply = await harness.request({
      type: 'exec',
      id: harness.nextId(),
      sandbox_id: 'sbx_nope',
      argv: ['true'],
    });
    expect(reply).toMatchObject({ type: 'error', code: 'agent.sandbox_not_found' });
  });

  it('samples usage every second for running sandboxes, with CPU seconds of busy work', async () => {
    const spec = await harness.start(sandboxSpec({ gpus: 2 }));
    const from = harness.sent.length;
    await harness.exec(spec.sandbox_id, [
      'sh',
      '-c',
      // Busy for at least 3 s and at least 1 CPU second of its own (a loaded machine gives it
      // less than a core), at most 20 s. $14..$17 of /proc/$$/stat: utime stime cutime cstime.
      'start=$(date +%s); while :; do now=$(date +%s); set -- $(cat /proc/$$/stat); ' +
        '[ $((now - start)) -ge 20 ] && break; ' +
        '[ $((now - start)) -ge 3 ] && [ $((${14} + ${15} + ${16} + ${17})) -ge 100 ] && break; done',
    ]);
    const samples = harness.sent
      .slice(from)
      .filter((m): m is Extract<AgentMessage, { type: 'usage' }> => m.type === 'usage')
      .flatMap((m) => m.samples)
      .filter((s) => s.sandbox_id === spec.sandbox_id);
    expect(samples.length).toBeGreaterThanOrEqual(2);
    const cpu = samples.reduce((sum, s) => sum + s.cpu_seconds, 0);
    expect(cpu).toBeGreaterThan(0.5);
    for (const s of samples) expect(s.gpu_seconds).toBeGreaterThan(1.5);
  });

  it('after a restart reports the sandboxes it finds on disk as stopped, files intact', async () => {
    const spec = await harness.start(sandboxSpec());
    await harness.exec(spec.sandbox_id, ['sh', '-c', 'echo survived > note.txt']);
    const restarted = new ManagerHarness(undefined, harness.stateDir);
    await restarted.manager.recover();
    const mine = restarted.manager.snapshot().find((s) => s.sandbox_id === spec.sandbox_id);
    expect(mine).toEqual({ sandbox_id: spec.sandbox_id, state: 'stopped' });
    const file = await restarted.request({
      type: 'file.get',
      id: 'r1',
      sandbox_id: spec.sandbox_id,
      path: 'note.txt',
    });
    expect(file.type).toBe('file.get.ok');
    const again = await restarted.request({ type: 'sandbox.start', id: 'r2', spec });
    expect(again).toMatchObject({ type: 'sandbox.state', state: 'running' });
    expect((await restarted.exec(spec.sandbox_id, ['cat', 'note.txt'])).stdout).toBe('survived\n');
    await restarted.manager.shutdown();
  });
});
