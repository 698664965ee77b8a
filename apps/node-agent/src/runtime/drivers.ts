import type { NodeContainment, RuntimeName } from '@nanopod/federation';
import type { AgentConfig } from '../config/agent-config';
import type { AgentLogger } from '../logger';
import { BwrapDriver } from './bwrap-driver';
import { DaytonaDriver } from './daytona-driver';
import { FirecrackerDriver } from './firecracker-driver';
import { KubernetesDriver } from './kubernetes-driver';
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
        state_dir: config.state_dir,
        egress_allow: config.egress_allow,
        forward_address: config.forward_address,
        egress_pool: config.egress_pool,
        warm_pool: config.warm_pool,
        // The agent's own block of outer uids (see sandbox_uid_base).
        warm_uids: { base: config.sandbox_uid_base, size: 256 },
        disk_quota: config.disk_quota,
      }),
    );
    const contained = containmentOf(drivers);
    const missing = Object.entries(contained ?? {})
      .filter(([, v]) => v === false || v === null)
      .map(([k]) => k);
    if (missing.length > 0) {
      log.warn(
        { missing },
        'bwrap sandboxes: this node cannot enforce every limit; the platform refuses sandboxes that need the missing ones',
      );
    }
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
  if (config.kubernetes_kubeconfig || config.kubernetes_api_url) {
    drivers.set(
      'kubernetes',
      new KubernetesDriver({
        kubeconfig: config.kubernetes_kubeconfig ?? undefined,
        api_url: config.kubernetes_api_url ?? undefined,
        token: config.kubernetes_token ?? undefined,
        namespace: config.kubernetes_namespace,
        image: config.kubernetes_image,
        node_selector: config.kubernetes_node_selector,
        gpu_type_label: config.kubernetes_gpu_type_label,
      }),
    );
  }
  return drivers;
}

/** What the node's bwrap runtime can enforce; undefined without it. */
export function containmentOf(
  drivers: Map<RuntimeName, RuntimeDriver>,
): NodeContainment | undefined {
  const bwrap = drivers.get('bwrap');
  return bwrap instanceof BwrapDriver ? bwrap.containment : undefined;
}

/** After an agent restart: removes what the drivers made for sandboxes no longer running. */
export async function sweepDrivers(drivers: Map<RuntimeName, RuntimeDriver>): Promise<void> {
  const bwrap = drivers.get('bwrap');
  if (bwrap instanceof BwrapDriver) await bwrap.sweep();
}

/** Agent start, after the sweep: pools that make sandbox starts quick begin filling. */
export function warmDrivers(drivers: Map<RuntimeName, RuntimeDriver>): void {
  const bwrap = drivers.get('bwrap');
  if (bwrap instanceof BwrapDriver) bwrap.warm();
}
