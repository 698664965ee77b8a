import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { AgentOperationError } from './runtime-driver';

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

/**
 * The node's own addresses and the subnets it is attached to (its LAN is not the internet).
 * Own addresses come from the kernel's local table too: `networkInterfaces()` leaves out
 * interfaces that are down or without carrier, and the node still accepts connections to
 * their addresses (through pasta, a sandbox's connection is the node's own).
 */
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
  for (const a of localAddressesV4()) v4.add(`${a}/32`);
  for (const a of localAddressesV6()) v6.add(`${a}/128`);
  for (const gw of defaultGateways()) v4.add(`${gw}/32`);
  return { v4: [...v4], v6: [...v6] };
}

/** Every local IPv4 address, whatever its interface's state (`/32 host LOCAL` in fib_trie). */
function localAddressesV4(): string[] {
  const out = new Set<string>();
  try {
    let last = '';
    for (const line of readFileSync('/proc/net/fib_trie', 'latin1').split('\n')) {
      const leaf = /\|-- (\d+\.\d+\.\d+\.\d+)$/.exec(line.trimEnd());
      if (leaf) last = leaf[1]!;
      else if (line.trim() === '/32 host LOCAL' && last) out.add(last);
    }
  } catch {
    // no fib_trie (networkInterfaces() still gave the running ones)
  }
  return [...out];
}

/** Every IPv6 address of the node, whatever its interface's state (`/proc/net/if_inet6`). */
function localAddressesV6(): string[] {
  try {
    return readFileSync('/proc/net/if_inet6', 'latin1')
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[0] ?? '')
      .filter((hex) => /^[0-9a-f]{32}$/.test(hex))
      .map((hex) => compressV6(hex.match(/.{4}/g)!.map((g) => parseInt(g, 16).toString(16))));
  } catch {
    return [];
  }
}

/** `::` for the longest run of zero groups, as networkInterfaces() writes addresses. */
function compressV6(groups: string[]): string {
  let best = { at: -1, len: 0 };
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(':');
  const head = groups.slice(0, best.at).join(':');
  const tail = groups.slice(best.at + best.len).join(':');
  return `${head}::${tail}`;
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
 * A sandbox's own allow-list entries added to a filter already loaded (a pooled netns made
 * with the node's list only): each accept is inserted at the head of the chain, so it is
 * matched before any reject, exactly as if it had been in `egressRuleset` from the start.
 */
export function allowInsertRules(allow: EgressAllow[]): string {
  const lines: string[] = [];
  for (const a of allow) {
    for (const proto of ['tcp', 'udp']) {
      lines.push(
        `insert rule inet nanopod_egress out ${a.family} daddr ${a.cidr} ${proto} dport ${a.port} accept`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
