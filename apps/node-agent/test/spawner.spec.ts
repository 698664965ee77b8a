import { SpawnEvents, SPAWNER_LOST, Spawner, spawner } from '../src/runtime/spawner';
import { runTool } from '../src/runtime/tool-runner';

interface Outcome {
  code: number | null;
  reason?: string;
  stdout: string;
}

function run(s: Spawner, command: string, args: string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const events: SpawnEvents = {
      spawned: () => undefined,
      output: (stream, chunk) => {
        if (stream === 'stdout') stdout += chunk.toString();
      },
      exit: (code, _signal, reason) => resolve({ code, reason, stdout }),
    };
    if (
      s.spawn({ command, args, env: { PATH: '/usr/bin:/bin' }, limit: 1 << 20 }, events) === null
    ) {
      reject(new Error('no helper'));
    }
  });
}

const helperPid = (s: Spawner): number => (s as unknown as { child: { pid: number } }).child.pid;
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the spawn helper', () => {
  it('keeps running on SIGINT (a Ctrl-C to the whole group), so the shutdown can still clean up', async () => {
    const s = new Spawner();
    expect(s.warm()).toBe(true);
    const pid = helperPid(s);
    expect((await run(s, 'echo', ['before'])).stdout).toBe('before\n');
    process.kill(pid, 'SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(pid)).toBe(true);
    expect(await run(s, 'echo', ['after'])).toMatchObject({ code: 0, stdout: 'after\n' });
    process.kill(pid, 'SIGKILL');
  });

  it('survives its helper dying with spawns in flight: they end as lost, the next one gets a new helper', async () => {
    const s = new Spawner();
    s.warm();
    const first = helperPid(s);
    process.kill(first, 'SIGKILL');
    // Sent before this process has seen the helper go: each send fails with EPIPE.
    const inFlight = await Promise.all([1, 2, 3].map(() => run(s, 'echo', ['x'])));
    for (const o of inFlight) {
      expect(o.code === 0 || o.reason === SPAWNER_LOST).toBe(true);
    }
    const next = await run(s, 'echo', ['again']);
    expect(next).toMatchObject({ code: 0, stdout: 'again\n' });
    expect(helperPid(s)).not.toBe(first);
    process.kill(helperPid(s), 'SIGKILL');
  });

  it('runs a tool again from the agent when the helper dies under it, and still reports real failures', async () => {
    spawner.warm();
    process.kill(helperPid(spawner), 'SIGKILL');
    await expect(runTool('true', [])).resolves.toBeUndefined();
    await expect(runTool('false', [])).rejects.toMatchObject({ code: 1 });
  });
});
