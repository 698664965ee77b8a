import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EgressNetwork } from '../src/runtime/netns-egress';
import { containmentHere, itWhen } from './support/containment-support';

const contained = containmentHere();
const describeContained = contained?.netns_egress ? describe : describe.skip;

const TOOLS = {
  pasta_bin: '/usr/bin/pasta',
  nft_bin: '/usr/sbin/nft',
  ip_bin: '/usr/sbin/ip',
  nsenter_bin: '/usr/bin/nsenter',
};

/** The namespaces an instance has recorded (ready or handed out), as paths. */
function recorded(runDir: string): string[] {
  return readdirSync(join(runDir, 'netns')).map((name) => `/run/netns/${name}`);
}

function pastaPid(runDir: string, netns: string): number {
  return Number(readFileSync(join(runDir, 'netns', netns.split('/').pop()!), 'latin1').trim());
}

/** Running: a killed pasta that the node's init has not reaped yet (a zombie) is not. */
const alive = (pid: number) => {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
};

/**
 * The egress namespace pool's own housekeeping (the attacks through pooled namespaces are in
 * bwrap-containment.spec): what a crashed agent left is removed at the next start of the same
 * agent, another agent's namespaces on the node are not, and shutdown leaves nothing.
 */
describeContained('egress namespace pool', () => {
  const dirs: string[] = [];
  const runDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'nanopod-egress-pool-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'run'), { mode: 0o700 });
    return join(dir, 'run');
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  itWhen('netns_egress')(
    "removes a crashed agent's ready namespaces and their pasta at its next start, and no other agent's",
    async () => {
      const mine = runDir();
      const other = runDir();
      const crashed = new EgressNetwork({ ...TOOLS, run_dir: mine, allow: [], pool_size: 2 });
      const neighbour = new EgressNetwork({ ...TOOLS, run_dir: other, allow: [], pool_size: 1 });
      crashed.warm();
      neighbour.warm();
      await Promise.all([crashed.settled(), neighbour.settled()]);
      const left = recorded(mine);
      expect(left.length).toBe(2);
      const pids = left.map((n) => pastaPid(mine, n));
      expect(left.every((n) => existsSync(n)) && pids.every(alive)).toBe(true);
      const theirs = recorded(other);
      expect(theirs.length).toBe(1);

      // The crashed instance is dropped without close(); the agent starts again on its state.
      const restarted = new EgressNetwork({ ...TOOLS, run_dir: mine, allow: [], pool_size: 2 });
      await restarted.sweep();
      expect(left.filter((n) => existsSync(n))).toEqual([]);
      await waitUntil(() => !pids.some(alive));
      expect(recorded(mine)).toEqual([]);
      // The neighbour's namespace and its pasta are untouched.
      expect(existsSync(theirs[0]!)).toBe(true);
      expect(alive(pastaPid(other, theirs[0]!))).toBe(true);

      // Shutdown: nothing of either is left.
      restarted.warm();
      await restarted.settled();
      const fresh = recorded(mine);
      expect(fresh.length).toBe(2);
      expect(fresh.some((n) => left.includes(n))).toBe(false);
      await restarted.close();
      await neighbour.close();
      expect([...fresh, ...theirs].filter((n) => existsSync(n))).toEqual([]);
      expect(recorded(mine)).toEqual([]);
      expect(recorded(other)).toEqual([]);
    },
    60_000,
  );

  itWhen('netns_egress')(
    'hands a ready namespace out once, makes one when the pool is empty, and refills',
    async () => {
      const net = new EgressNetwork({ ...TOOLS, run_dir: runDir(), allow: [], pool_size: 1 });
      try {
        net.warm();
        await net.settled();
        const id = `pool${process.pid}`;
        const a = await net.create(`${id}a`);
        const b = await net.create(`${id}b`);
        expect(net.stats()).toMatchObject({ taken: 1, made_on_demand: 1 });
        expect(a).not.toBe(b);
        await net.settled();
        expect(net.stats().ready).toBe(1);
        await net.destroy(`${id}a`);
        expect(existsSync(a)).toBe(false);
        expect(net.pathOf(`${id}a`)).toBeNull();
        // Starting a sandbox again gives it another namespace, never the old one.
        const b2 = await net.create(`${id}b`);
        expect([a, b]).not.toContain(b2);
        expect(existsSync(b)).toBe(false);
      } finally {
        await net.close();
      }
    },
    60_000,
  );
});

async function waitUntil(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
