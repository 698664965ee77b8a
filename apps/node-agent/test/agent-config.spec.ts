import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backoffDelay } from '../src/channel/agent-channel';
import {
  AgentConfigError,
  configFromEnv,
  configFromFile,
  resolveAgentConfig,
} from '../src/config/agent-config';
import { parseNvidiaSmi, parseRocmSmi } from '../src/inventory/gpu-probe';
import { InventoryCollector } from '../src/inventory/node-inventory';
import { sandboxRelativePath } from '../src/sandboxes/sandbox-paths';

describe('node agent configuration', () => {
  it('layers a YAML file, then the environment, then flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nanopod-config-'));
    const file = join(dir, 'agent.yaml');
    writeFileSync(
      file,
      'zone: from-file\nkind: infiniband\nlabels:\n  rack: r7\npower_watts: 1440\ngpus:\n  - model: RTX 4090\n    memory_mb: 24564\n    vendor: nvidia\n',
    );
    const config = resolveAgentConfig(
      configFromFile(file),
      configFromEnv({
        NANOPOD_AGENT_ZONE: 'from-env',
        NANOPOD_AGENT_HEARTBEAT_INTERVAL_MS: '5000',
      }),
      { state_dir: dir, heartbeat_interval_ms: '2500' },
    );
    expect(config).toMatchObject({
      zone: 'from-env',
      kind: 'infiniband',
      labels: { rack: 'r7' },
      power_watts: 1440,
      heartbeat_interval_ms: 2500,
      state_dir: dir,
    });
    expect(config.gpus).toEqual([
      { index: 0, model: 'RTX 4090', memory_mb: 24564, driver: null, vendor: 'nvidia' },
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every problem at once when values are bad', () => {
    let error: AgentConfigError | null = null;
    try {
      resolveAgentConfig({
        url: 'ftp://x',
        kind: 'cloud',
        heartbeat_interval_ms: '-1',
        labels: 'novalue',
        bogus: 1,
      } as never);
    } catch (err) {
      error = err as AgentConfigError;
    }
    expect(error).toBeInstanceOf(AgentConfigError);
    expect(error!.problems).toEqual(
      expect.arrayContaining([
        'unknown key "bogus"',
        expect.stringContaining('url'),
        expect.stringContaining('kind'),
        expect.stringContaining('heartbeat_interval_ms'),
        expect.stringContaining('labels'),
      ]),
    );
  });

  it("still starts with an earlier agent's retired setting (prlimit_bin)", () => {
    const config = resolveAgentConfig({
      url: 'https://nanopod.example',
      prlimit_bin: '/usr/bin/prlimit',
    } as never);
    expect(config.url).toBe('https://nanopod.example');
    expect(Object.keys(config)).not.toContain('prlimit_bin');
  });

  it('reads the egress allow-list as CIDR:port entries and refuses anything else', () => {
    expect(
      resolveAgentConfig(
        configFromEnv({ NANOPOD_AGENT_EGRESS_ALLOW: '10.1.2.0/24:5432, [fd00::1]:443' }),
      ).egress_allow,
    ).toEqual(['10.1.2.0/24:5432', '[fd00::1]:443']);
    expect(resolveAgentConfig({}).egress_allow).toEqual([]);
    expect(resolveAgentConfig({}).disk_quota).toBe(true);
    expect(() => resolveAgentConfig({ egress_allow: ['10.0.0.1'] })).toThrow(/not CIDR:port/);
    expect(() => resolveAgentConfig({ egress_allow: 'example:80' })).toThrow(/not CIDR:port/);
  });

  it('forwards replica ports on loopback unless told the node address, an IPv4 address', () => {
    expect(resolveAgentConfig({}).forward_address).toBe('127.0.0.1');
    expect(
      resolveAgentConfig(configFromEnv({ NANOPOD_AGENT_FORWARD_ADDRESS: '10.8.0.12' }))
        .forward_address,
    ).toBe('10.8.0.12');
    expect(() => resolveAgentConfig({ forward_address: 'node.vpn' })).toThrow(
      /forward_address "node.vpn" is not an IPv4 address/,
    );
  });

  it('needs the three firecracker settings together and a Daytona key with its URL', () => {
    expect(() => resolveAgentConfig({ firecracker_bin: '/usr/bin/firecracker' })).toThrow(
      /needed together/,
    );
    expect(() => resolveAgentConfig({ daytona_api_url: 'http://127.0.0.1:1' })).toThrow(
      /daytona_api_key/,
    );
  });

  it('offers latency-tolerant work only on federated nodes and both classes on InfiniBand nodes', async () => {
    const federated = await new InventoryCollector(
      resolveAgentConfig({ kind: 'federated', vpn_address: '10.8.0.2' }),
      () => ['bwrap'],
    ).collect();
    expect(federated.workload_classes).toEqual(['latency_tolerant']);
    expect(federated.vpn_address).toBe('10.8.0.2');
    expect(federated.runtimes).toEqual(['bwrap']);
    const ib = await new InventoryCollector(
      resolveAgentConfig({ kind: 'infiniband' }),
      () => [],
    ).collect();
    expect(ib.workload_classes).toEqual(['latency_tolerant', 'latency_sensitive']);
  });
});

describe('GPU probing', () => {
  it('parses nvidia-smi CSV without units', () => {
    expect(
      parseNvidiaSmi(
        '0, NVIDIA GeForce RTX 4090, 24564, 550.54.14\n1, NVIDIA GeForce RTX 4090, 24564, 550.54.14\n',
      ),
    ).toEqual([
      {
        index: 0,
        model: 'NVIDIA GeForce RTX 4090',
        memory_mb: 24564,
        driver: '550.54.14',
        vendor: 'nvidia',
      },
      {
        index: 1,
        model: 'NVIDIA GeForce RTX 4090',
        memory_mb: 24564,
        driver: '550.54.14',
        vendor: 'nvidia',
      },
    ]);
  });

  it('parses rocm-smi JSON', () => {
    const json = JSON.stringify({
      card0: {
        'Card series': 'Radeon RX 7900 XTX',
        'VRAM Total Memory (B)': String(24 * 1024 ** 3),
      },
      system: { 'Driver version': '6.7.0' },
    });
    expect(parseRocmSmi(json)).toEqual([
      { index: 0, model: 'Radeon RX 7900 XTX', memory_mb: 24576, driver: '6.7.0', vendor: 'amd' },
    ]);
  });
});

describe('reconnect backoff', () => {
  it('starts at 250 ms, doubles, and stays under 10 s with jitter', () => {
    for (let i = 0; i < 50; i++) {
      const first = backoffDelay(0);
      expect(first).toBeGreaterThanOrEqual(200);
      expect(first).toBeLessThanOrEqual(300);
      const later = backoffDelay(30);
      expect(later).toBeGreaterThanOrEqual(8000);
      expect(later).toBeLessThanOrEqual(12000);
    }
    const medians = [0, 1, 2, 3].map((n) => backoffDelay(n, 250, 10_000) / 250);
    expect(medians[3]).toBeGreaterThan(medians[0] * 4);
  });
});

describe('sandbox paths', () => {
  it('accepts paths under /work and refuses any that leave it', () => {
    expect(sandboxRelativePath('main.py')).toBe('main.py');
    expect(sandboxRelativePath('/work/src/./a.py')).toBe('src/a.py');
    expect(sandboxRelativePath('/work')).toBe('.');
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'a/..', 'x\0y']) {
      expect(() => sandboxRelativePath(bad)).toThrow(
        expect.objectContaining({ code: 'agent.path_invalid' }),
      );
    }
  });
});
