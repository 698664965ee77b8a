import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { AgentOperationError } from './runtime-driver';
import { runTool as run } from './tool-runner';

export interface EgressNetworkOptions {
  pasta_bin: string;
  nft_bin: string;
  ip_bin: string;
  nsenter_bin: string;
  /** Where pasta's pid files live (inside the agent's state dir). */
  run_dir: string;
  /** Admin allow-list for this node, `CIDR:port` (IPv6 as `[CIDR]:port`). */
  allow: string[];
}

/** One allowed destination: traffic to `cidr` on `port` (TCP and UDP) passes the deny list. */
export interface EgressAllow {
  family: 'ip' | 'ip6';
  cidr: string;
  port: number;
}

/** Where a sandbox sends DNS: pasta forwards what reaches this address to the node's resolver. */
export const SANDBOX_DNS = '169.254.1.53';

/** Never reachable from a sandbox: the node's own, private, link-local, CGNAT and special ranges. */
const DENY_V4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/4',
  '240.0.0.0/4',
];
const DENY_V6 = [
  '::/127',
  '::ffff:0:0/96',
  '64:ff9b::/96',
  '64:ff9b:1::/48',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
];

/** The netns name (under /run/netns) of a sandbox; ids are validated `[A-Za-z0-9_-]`. */
export function netnsName(sandboxId: string): string {
  return `nanopod-${sandboxId}`;
}

export function netnsPath(sandboxId: string): string {
  return `/run/netns/${netnsName(sandboxId)}`;
}

/** Parses `CIDR:port` / `[CIDR]:port`; throws on anything else. */
export function parseAllow(entry: string): EgressAllow {
  const m =
    /^\[([0-9a-fA-F:.]+(?:\/\d{1,3})?)\]:(\d{1,5})$/.exec(entry) ??
    /^([0-9.]+(?:\/\d{1,2})?):(\d{1,5})$/.exec(entry);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) {
    throw new AgentOperationError(
      'agent.egress_allow_invalid',
      `egress allow entry "${entry}" is not CIDR:port`,
    );
  }
  const family = m[1].includes(':') ? 'ip6' : 'ip';
  const [addr, bits] = m[1].split('/');
  const max = family === 'ip' ? 32 : 128;
  if (bits !== undefined && Number(bits) > max) {
    throw new AgentOperationError('agent.egress_allow_invalid', `bad prefix in "${entry}"`);
  }
  if (family === 'ip' && !addr.split('.').every((o) => /^\d+$/.test(o) && Number(o) < 256)) {
    throw new AgentOperationError('agent.egress_allow_invalid', `bad address in "${entry}"`);
  }
  return { family, cidr: bits === undefined ? `${addr}/${max}` : m[1], port };
}

/** The node's own addresses and the subnets it is attached to (its LAN is not the internet). */
function hostPrefixes(): { v4: string[]; v6: string[] } {
  const v4 = new Set<string>();
  const v6 = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4') {
        v4.add(`${a.address}/32`);
        if (a.cidr) v4.add(networkOf(a.cidr));
      } else {
        v6.add(`${a.address.split('%')[0]}/128`);
      }
    }
  }
  for (const gw of defaultGateways()) v4.add(`${gw}/32`);
  return { v4: [...v4], v6: [...v6] };
}

function networkOf(cidr: string): string {
  const [addr, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const n = addr.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const net = (n & mask) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${bits}`;
}

function defaultGateways(): string[] {
  try {
    return readFileSync('/proc/net/route', 'latin1')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length > 2 && f[1] === '00000000' && f[2] !== '00000000')
      .map((f) => {
        const hex = f[2];
        return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
      });
  } catch {
    return [];
  }
}

/**
 * The sandbox netns's output filter: loopback inside the netns, then the allow-list, then DNS to
 * pasta's forwarder, then every denied prefix rejected. What is left (the internet) passes.
 * Applied by the agent (root of the init user namespace, which owns the netns): the sandbox's
 * own user namespace has no CAP_NET_ADMIN over it, so it can neither read nor change the rules.
 */
export function egressRuleset(allow: EgressAllow[]): string {
  const host = hostPrefixes();
  const lines = [
    'table inet nanopod_egress {',
    '  chain out {',
    '    type filter hook output priority 0; policy accept;',
    '    oif "lo" accept',
  ];
  for (const a of allow) {
    lines.push(`    ${a.family} daddr ${a.cidr} tcp dport ${a.port} accept`);
    lines.push(`    ${a.family} daddr ${a.cidr} udp dport ${a.port} accept`);
  }
  lines.push(`    ip daddr ${SANDBOX_DNS} udp dport 53 accept`);
  lines.push(`    ip daddr ${SANDBOX_DNS} tcp dport 53 accept`);
  for (const p of [...DENY_V4, ...host.v4]) {
    lines.push(`    ip daddr ${p} reject with icmpx type admin-prohibited`);
  }
  for (const p of [...DENY_V6, ...host.v6]) {
    lines.push(`    ip6 daddr ${p} reject with icmpx type admin-prohibited`);
  }
  lines.push('  }', '}');
  return `${lines.join('\n')}\n`;
}

/**
 * Egress for a sandbox without the host's network: a network namespace of its own, its
 * destination filter loaded first, then pasta (user-mode NAT: the sandbox's connections become
 * the agent's sockets on the node) attached to it. The gateway is not mapped to the node's
 * loopback (--no-map-gw) and no port is forwarded either way (-t/-u/-T/-U none).
 */
export class EgressNetwork {
  private readonly nodeAllow: EgressAllow[];

  constructor(private readonly options: EgressNetworkOptions) {
    this.nodeAllow = options.allow.map(parseAllow);
  }

  /** Whether this node can do it: root, pasta, nft and ip present. */
  static probe(options: Pick<EgressNetworkOptions, 'pasta_bin' | 'nft_bin' | 'ip_bin'>): boolean {
    return (
      process.getuid?.() === 0 &&
      existsSync(options.pasta_bin) &&
      existsSync(options.nft_bin) &&
      existsSync(options.ip_bin)
    );
  }

  /**
   * Makes the sandbox's netns (idempotent: an existing one is rebuilt). `forward` asks pasta to
   * listen on the node's loopback at each `host_port` and splice connections to `port` on the
   * netns's loopback (so the sandbox's output filter, which accepts `lo`, passes the replies);
   * the node's other addresses get nothing.
   */
  async create(
    sandboxId: string,
    extraAllow: string[] = [],
    forward: Array<{ port: number; host_port: number }> = [],
  ): Promise<string> {
    const tcp = forward.length
      ? forward.flatMap((f) => ['-t', `127.0.0.1/${f.host_port}:${f.port}`])
      : ['-t', 'none'];
    const allow = [...this.nodeAllow, ...extraAllow.map(parseAllow)];
    await this.destroy(sandboxId);
    const name = netnsName(sandboxId);
    try {
      await run(this.options.ip_bin, ['netns', 'add', name]);
      await this.nft(sandboxId, egressRuleset(allow));
      // pasta daemonizes: its daemon gets a session of its own (the helper kills the spawn's
      // process group once it exits) and must not hold the helper's pipes open.
      await run('/bin/sh', [
        '-c',
        'exec setsid -w "$@" </dev/null >/dev/null 2>&1',
        'pasta',
        this.options.pasta_bin,
        '--runas',
        '0:0',
        '--config-net',
        '--netns',
        netnsPath(sandboxId),
        '--no-map-gw',
        ...tcp,
        '-u',
        'none',
        '-T',
        'none',
        '-U',
        'none',
        '--dns-forward',
        SANDBOX_DNS,
        '-q',
        '-P',
        this.pidFile(sandboxId),
      ]);
    } catch (err) {
      await this.destroy(sandboxId);
      throw new AgentOperationError(
        'agent.uncontainable',
        `the sandbox's egress network could not be set up (${describe(err)})`,
      );
    }
    return netnsPath(sandboxId);
  }

  /** Ends pasta and deletes the netns; nothing happens when there is none. */
  async destroy(sandboxId: string): Promise<void> {
    const pidFile = this.pidFile(sandboxId);
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'latin1').trim());
      if (pid > 1 && isPasta(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      rmSync(pidFile, { force: true });
    }
    if (existsSync(netnsPath(sandboxId))) {
      await run(this.options.ip_bin, ['netns', 'delete', netnsName(sandboxId)]).catch(
        () => undefined,
      );
    }
  }

  /**
   * After an agent restart: the netns (and pasta) of every sandbox this agent made, found by
   * its own pid files (another agent on the node keeps its own).
   */
  async sweep(): Promise<void> {
    let names: string[] = [];
    try {
      names = readdirSync(this.options.run_dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.endsWith('.pasta.pid')) await this.destroy(name.slice(0, -'.pasta.pid'.length));
    }
  }

  /** Loads the ruleset inside the netns (from a root-only file: the helper has no stdin). */
  private async nft(sandboxId: string, ruleset: string): Promise<void> {
    const file = join(this.options.run_dir, `${sandboxId}.nft`);
    writeFileSync(file, ruleset, { mode: 0o600 });
    try {
      await run(this.options.nsenter_bin, [
        `--net=${netnsPath(sandboxId)}`,
        '--',
        this.options.nft_bin,
        '-f',
        file,
      ]);
    } finally {
      rmSync(file, { force: true });
    }
  }

  private pidFile(sandboxId: string): string {
    return join(this.options.run_dir, `${sandboxId}.pasta.pid`);
  }
}

function isPasta(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'latin1').trim().startsWith('pasta');
  } catch {
    return false;
  }
}

/** The tool's complaint without paths (errors reach the platform). */
function describe(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  const text = (e.stderr || e.message || 'unknown error').split('\n')[0];
  return text.replace(/\/[^\s:'"]+/g, '<path>').slice(0, 200);
}
