import { statfsSync } from 'node:fs';
import { cpus, hostname, networkInterfaces, totalmem } from 'node:os';
import type {
  GpuInventory,
  NodeContainment,
  NodeInventory,
  RuntimeName,
} from '@nanopod/federation';
import type { AgentConfig } from '../config/agent-config';
import { AGENT_VERSION } from '../version';
import { probeGpus } from './gpu-probe';

const VPN_INTERFACE = /^(wg|tun|tailscale|nebula|zt)/;

/** The VPN address: configured, else the first IPv4 (then IPv6) of a wg/tun-like interface. */
export function detectVpnAddress(
  config: Pick<AgentConfig, 'vpn_address' | 'vpn_interface'>,
): string | null {
  if (config.vpn_address) return config.vpn_address;
  const interfaces = networkInterfaces();
  const names = Object.keys(interfaces).filter((name) =>
    config.vpn_interface ? name === config.vpn_interface : VPN_INTERFACE.test(name),
  );
  for (const name of names.sort()) {
    const addresses = interfaces[name] ?? [];
    const v4 = addresses.find((a) => a.family === 'IPv4');
    const any = v4 ?? addresses[0];
    if (any) return any.address;
  }
  return null;
}

/**
 * Collects what the node offers. GPU probing runs the vendor tools, which take a while, so
 * its answer is kept for a minute.
 */
export class InventoryCollector {
  private gpuCache: { at: number; gpus: GpuInventory[] } | null = null;

  constructor(
    private readonly config: AgentConfig,
    private readonly runtimes: () => RuntimeName[],
    private readonly containment: () => NodeContainment | undefined = () => undefined,
  ) {}

  async collect(): Promise<NodeInventory> {
    return {
      hostname: hostname(),
      cpu_cores: cpus().length,
      memory_mb: Math.round(totalmem() / (1024 * 1024)),
      disk_gb: this.diskGb(),
      gpus: await this.gpus(),
      power_watts: this.config.power_watts,
      vpn_address: detectVpnAddress(this.config),
      zone: this.config.zone,
      labels: this.config.labels,
      kind: this.config.kind,
      // Federated nodes sit behind consumer links and a VPN: only work that tolerates latency.
      workload_classes:
        this.config.kind === 'infiniband'
          ? ['latency_tolerant', 'latency_sensitive']
          : ['latency_tolerant'],
      runtimes: this.runtimes(),
      agent_version: AGENT_VERSION,
      ...(this.containment() ? { containment: this.containment() } : {}),
    };
  }

  private diskGb(): number {
    try {
      const stats = statfsSync(this.config.state_dir);
      return Math.floor((stats.blocks * stats.bsize) / 1024 ** 3);
    } catch {
      return 0;
    }
  }

  private async gpus(): Promise<GpuInventory[]> {
    if (this.gpuCache && Date.now() - this.gpuCache.at < 60_000) return this.gpuCache.gpus;
    const probed = await probeGpus();
    const gpus = probed && probed.length > 0 ? probed : this.config.gpus;
    this.gpuCache = { at: Date.now(), gpus };
    return gpus;
  }
}
