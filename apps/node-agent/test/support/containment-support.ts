import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeContainment } from '@nanopod/federation';
import { BwrapDriver } from '../../src/runtime/bwrap-driver';

export const BWRAP_BIN = '/usr/bin/bwrap';

/** Which containment checks need what, so a skip says exactly what this node lacks. */
const NEEDS: Record<string, Array<keyof NodeContainment>> = {
  'egress netns: node loopback, PostgreSQL, private and TEST-NET servers': ['netns_egress'],
  'whole-sandbox memory: tmpfs fills and 4 x 300 MB processes': ['cgroup_memory'],
  'whole-sandbox pids: fork bomb held by the pids cgroup': ['cgroup_pids'],
  'work dir held to disk_mb': ['disk_quota'],
  'seccomp: keyctl and bpf answer EPERM': ['seccomp'],
  'nested user namespaces refused': ['userns_disable'],
};

let cached: NodeContainment | null | undefined;

/**
 * What the bwrap driver can enforce on this machine (null without bubblewrap), probed once by
 * constructing a real driver; the first call logs every check a missing part makes skip.
 */
export function containmentHere(): NodeContainment | null {
  if (cached !== undefined) return cached;
  if (!existsSync(BWRAP_BIN)) {
    console.warn(
      `bubblewrap not found at ${BWRAP_BIN}: every sandbox containment check is skipped`,
    );
    return (cached = null);
  }
  const dir = mkdtempSync(join(tmpdir(), 'nanopod-containment-probe-'));
  try {
    cached = new BwrapDriver({
      bwrap_bin: BWRAP_BIN,
      state_dir: dir,
    }).containment;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const skipped = Object.entries(NEEDS)
    .filter(([, needs]) => needs.some((n) => !cached?.[n]))
    .map(([check, needs]) => `${check} (needs ${needs.join(', ')})`);
  if (skipped.length > 0) {
    console.warn(
      `this node cannot enforce every sandbox limit (needs root, cgroups, pasta + nftables, loop devices): skipped: ${skipped.join('; ')}`,
    );
  }
  return cached;
}

/** `it` when the node can enforce `need`, else `it.skip` (the reason was logged above). */
export function itWhen(need: keyof NodeContainment): jest.It {
  return containmentHere()?.[need] ? it : it.skip;
}
