import type { RuntimeName } from '@nanopod/federation';
import type { AgentConfig } from '../config/agent-config';
import type { AgentLogger } from '../logger';
import { BwrapDriver } from './bwrap-driver';
import { DaytonaDriver } from './daytona-driver';
import { FirecrackerDriver } from './firecracker-driver';
import type { RuntimeDriver } from './runtime-driver';

/** The drivers this node can offer, from what is installed and configured. */
export function createDrivers(
  config: AgentConfig,
  logger: AgentLogger,
): Map<RuntimeName, RuntimeDriver> {
  const drivers = new Map<RuntimeName, RuntimeDriver>();
  const log = logger.child({ context: 'Drivers' });
  if (BwrapDriver.available(config.bwrap_bin)) {
    drivers.set(
      'bwrap',
      new BwrapDriver({
        bwrap_bin: config.bwrap_bin,
        prlimit_bin: config.prlimit_bin,
        state_dir: config.state_dir,
      }),
    );
  } else {
    log.warn({ bwrap_bin: config.bwrap_bin }, 'bubblewrap not found: the bwrap runtime is off');
  }
  if (config.firecracker_bin && config.kernel_image && config.rootfs_image) {
    if (FirecrackerDriver.available(config.firecracker_bin)) {
      drivers.set(
        'firecracker',
        new FirecrackerDriver({
          firecracker_bin: config.firecracker_bin,
          kernel_image: config.kernel_image,
          rootfs_image: config.rootfs_image,
          logger,
        }),
      );
    } else {
      log.warn(
        'firecracker configured but the binary or /dev/kvm is missing: the firecracker runtime is off',
      );
    }
  }
  if (config.daytona_api_url && config.daytona_api_key) {
    drivers.set(
      'daytona',
      new DaytonaDriver({
        api_url: config.daytona_api_url,
        api_key: config.daytona_api_key,
        target: config.daytona_target ?? undefined,
      }),
    );
  }
  return drivers;
}
