import type { SandboxLimits } from '@nanopod/federation';

const MB = 1048576;

/**
 * Sizes of the sandbox's tmpfs mounts (bwrap `--size` before each `--tmpfs`). tmpfs pages are
 * charged to the memory cgroup of the process that writes them, so the cgroup is what holds
 * their sum to the sandbox's memory; these sizes keep any one mount from taking all of it, and
 * still bound them on a node without the memory controller.
 *
 * `/` holds only mount points and the env file: a few MB. `/dev/shm` may use all the memory
 * (shared-memory programs need it); `/tmp` the smaller of memory and disk.
 */
export interface TmpfsSizes {
  root: number;
  dev_shm: number;
  tmp: number;
}

export function tmpfsSizes(limits: SandboxLimits): TmpfsSizes {
  const memory = Math.max(16, limits.memory_mb) * MB;
  return {
    root: 8 * MB,
    dev_shm: memory,
    tmp: Math.min(memory, Math.max(16, limits.disk_mb) * MB),
  };
}
