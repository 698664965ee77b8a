/**
 * net.cidr_* built-ins (OPA v1/topdown/cidr.go). Addresses are 128-bit BigInts with IPv4 as
 * IPv4-mapped IPv6 (::ffff:a.b.c.d), as Go's net.IP; a network remembers its family.
 */
import * as fs from 'node:fs';
import { RegoObject, RegoSet, Value } from '../value';
import { hostAllowed, type BuiltinRegistry } from './builtin.types';
import { fail, LruCache, str, typeError } from './args';

const MAPPED = 0xffffn << 32n;
const ALL = (1n << 128n) - 1n;

interface Net {
  v4: boolean;
  first: bigint;
  last: bigint;
  /** Prefix length in the 128-bit space. */
  prefix: number;
  text: string;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

function parseV6(s: string): bigint | undefined {
  let tail: bigint | undefined;
  let tailGroups = 0;
  if (s.includes('.')) {
    const lc = s.lastIndexOf(':');
    tail = parseV4(s.slice(lc + 1));
    if (tail === undefined) return undefined;
    s = s[lc - 1] === ':' ? s.slice(0, lc + 1) : s.slice(0, lc);
    tailGroups = 2;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string): bigint[] | undefined => {
    if (h === '') return [];
    const out: bigint[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(BigInt('0x' + g));
    }
    return out;
  };
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  if (!head || !rest) return undefined;
  const total = head.length + rest.length + tailGroups;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const groups = [...head, ...new Array<bigint>(8 - total).fill(0n), ...rest];
  let n = 0n;
  for (const g of groups) n = (n << 16n) | g;
  if (tail !== undefined) n = (n << 32n) | tail;
  return n;
}

/** Go's net.ParseIP: [isV4, 128-bit value] or undefined. */
export function parseIP(s: string): { v4: boolean; n: bigint } | undefined {
  const v4 = parseV4(s);
  if (v4 !== undefined) return { v4: true, n: MAPPED | v4 };
  if (!s.includes(':')) return undefined;
  const v6 = parseV6(s);
  if (v6 === undefined) return undefined;
  return { v4: v6 >> 32n === 0xffffn, n: v6 };
}

function networkOf(v4: boolean, ip: bigint, prefix: number, text: string): Net {
  const host = prefix >= 128 ? 0n : (1n << BigInt(128 - prefix)) - 1n;
  const first = ip & (ALL ^ host);
  return { v4, first, last: first | host, prefix, text };
}

/** Go's net.ParseCIDR. */
export function parseCIDR(s: string): Net | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = s.slice(0, slash);
  const bitsText = s.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  const v4 = parseV4(addr);
  if (v4 !== undefined) {
    if (bits > 32) return undefined;
    const net = networkOf(true, MAPPED | v4, bits + 96, '');
    net.text = ipString(net.first) + '/' + bits;
    return net;
  }
  const v6 = addr.includes(':') ? parseV6(addr) : undefined;
  if (v6 === undefined || bits > 128) return undefined;
  const net = networkOf(false, v6, bits, '');
  net.text = ipString(net.first, true) + '/' + bits;
  return net;
}

/** Go's net.IP.String(): dotted when IPv4-mapped, else RFC 5952 compressed. */
export function ipString(n: bigint, forceV6 = false): string {
  if (n >> 32n === 0xffffn && !forceV6) {
    return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
  }
  if (n >> 32n === 0xffffn) return ipString(n);
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLen).join(':');
}

const cidrCache = new LruCache<Net | null>(1024);
const ipCache = new LruCache<{ v4: boolean; n: bigint } | null>(1024);

function cachedCIDR(s: string): Net | undefined {
  return cidrCache.get(s, () => parseCIDR(s) ?? null) ?? undefined;
}

function cachedIP(s: string): { v4: boolean; n: bigint } | undefined {
  return ipCache.get(s, () => parseIP(s) ?? null) ?? undefined;
}

function cidrOperand(name: string, a: Value[], i: number): Net {
  const s = str(name, a, i);
  const net = cachedCIDR(s);
  if (!net) throw fail(name, `invalid CIDR address: ${s}`);
  return net;
}

function contains(net: Net, v4: boolean, n: bigint): boolean {
  return net.v4 === v4 && n >= net.first && n <= net.last;
}

function cidrContains(name: string, a: Value[]): boolean {
  const net = cidrOperand(name, a, 0);
  const s = str(name, a, 1);
  const ip = cachedIP(s);
  if (ip) return contains(net, ip.v4, ip.n);
  const other = cachedCIDR(s);
  if (!other) throw fail(name, `not a valid textual representation of an IP address or CIDR: ${s}`);
  return contains(net, other.v4, other.first) && contains(net, other.v4, other.last);
}

function matchTerms(name: string, pos: number, v: Value): Array<[Value, Value]> {
  const term = (x: Value): Value => {
    if (typeof x === 'string') return x;
    if (Array.isArray(x) && x.length > 0) return x[0];
    throw fail(name, `operand ${pos}: element must be string or non-empty array`);
  };
  if (typeof v === 'string') return [[v, v]];
  if (Array.isArray(v)) return v.map((x, i) => [term(x), i]);
  if (v instanceof RegoSet) return v.sorted().map((x) => [term(x), x]);
  if (v instanceof RegoObject) return v.sortedEntries().map(([k, x]) => [term(x), k]);
  return [];
}

/** Minimal CIDR list covering [first, last] (RangeToCIDRs). */
function rangeToCIDRs(first: bigint, last: bigint, v4: boolean): string[] {
  const out: string[] = [];
  let cur = first;
  while (cur <= last) {
    let size = 0;
    while (size < 128) {
      const block = 1n << BigInt(size + 1);
      if ((cur & (block - 1n)) !== 0n || cur + block - 1n > last) break;
      size++;
    }
    const prefix = 128 - size;
    out.push(ipString(cur, !v4) + '/' + (v4 ? prefix - 96 : prefix));
    cur += 1n << BigInt(size);
  }
  return out;
}

/** Class-based default mask of Go's IP.DefaultMask for an IPv4 address. */
function defaultMask(n: bigint): number {
  const top = Number((n >> 24n) & 0xffn);
  return top < 0x80 ? 8 : top < 0xc0 ? 16 : 24;
}

function mergeCIDRs(name: string, items: Value[]): RegoSet {
  const ranges: Array<{ first: bigint; last: bigint; text?: string; v4: boolean }> = [];
  for (const x of items) {
    if (typeof x !== 'string') throw fail(name, 'element must be string');
    const ip = parseIP(x);
    if (ip) {
      if (!ip.v4) throw fail(name, 'IPv6 invalid: needs prefix length');
      const bits = defaultMask(ip.n);
      const net = networkOf(true, ip.n, bits + 96, '');
      ranges.push({
        first: net.first,
        last: net.last,
        text: ipString(ip.n) + '/' + bits,
        v4: true,
      });
      continue;
    }
    const net = parseCIDR(x);
    if (!net) throw fail(name, `invalid CIDR address: ${x}`);
    ranges.push({ first: net.first, last: net.last, text: net.text, v4: net.v4 });
  }
  ranges.sort((a, b) =>
    a.last !== b.last
      ? a.last < b.last
        ? -1
        : 1
      : a.first < b.first
        ? -1
        : a.first > b.first
          ? 1
          : 0,
  );
  for (let i = ranges.length - 1; i > 0; i--) {
    const prev =
      ranges[i].first === 0n || ranges[i].first === MAPPED ? ranges[i].first : ranges[i].first - 1n;
    if (prev <= ranges[i - 1].last) {
      const first = ranges[i - 1].first < ranges[i].first ? ranges[i - 1].first : ranges[i].first;
      ranges[i - 1] = { first, last: ranges[i].last, v4: ranges[i].v4 };
      ranges.splice(i, 1);
    }
  }
  const out = new RegoSet();
  for (const r of ranges) {
    if (r.text !== undefined) out.add(r.text);
    else for (const c of rangeToCIDRs(r.first, r.last, r.first >> 32n === 0xffffn)) out.add(c);
  }
  return out;
}

const MAX_EXPAND = 1 << 20;

let hostsFile: Map<string, string[]> | undefined;

/** Names from /etc/hosts (read once); the engine does no network DNS during evaluation. */
function hosts(): Map<string, string[]> {
  if (!hostsFile) {
    hostsFile = new Map();
    let text = '';
    try {
      text = fs.readFileSync('/etc/hosts', 'utf8');
    } catch {
      text = '127.0.0.1 localhost\n::1 localhost';
    }
    for (const line of text.split('\n')) {
      const [addr, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
      const ip = addr ? parseIP(addr) : undefined;
      if (!ip) continue;
      for (const n of names)
        hostsFile.set(n.toLowerCase(), [
          ...(hostsFile.get(n.toLowerCase()) ?? []),
          ipString(ip.n, !ip.v4),
        ]);
    }
  }
  return hostsFile;
}

export function register(registry: BuiltinRegistry): void {
  for (const name of ['net.cidr_contains', 'net.cidr_overlap']) {
    registry.register({
      name,
      args: ['string', 'string'],
      result: 'boolean',
      impl: (a) => cidrContains(name, a),
    });
  }
  registry.register({
    name: 'net.cidr_intersects',
    args: ['string', 'string'],
    result: 'boolean',
    impl: (a) => {
      const x = cidrOperand('net.cidr_intersects', a, 0);
      const y = cidrOperand('net.cidr_intersects', a, 1);
      return contains(x, y.v4, y.first) || contains(y, x.v4, x.first);
    },
  });
  registry.register({
    name: 'net.cidr_contains_matches',
    args: ['any', 'any'],
    result: 'set',
    impl: (a) => {
      const name = 'net.cidr_contains_matches';
      const out = new RegoSet();
      const xs = matchTerms(name, 1, a[0]);
      const ys = matchTerms(name, 2, a[1]);
      for (const [c1, k1] of xs) {
        for (const [c2, k2] of ys) if (cidrContains(name, [c1, c2])) out.add([k1, k2]);
      }
      return out;
    },
  });
  registry.register({
    name: 'net.cidr_expand',
    args: ['string'],
    result: 'set',
    impl: (a) => {
      const net = cidrOperand('net.cidr_expand', a, 0);
      if (net.last - net.first >= BigInt(MAX_EXPAND))
        throw fail('net.cidr_expand', 'too many addresses to expand');
      const out = new RegoSet();
      for (let n = net.first; n <= net.last; n++) out.add(ipString(n, !net.v4));
      return out;
    },
  });
  registry.register({
    name: 'net.cidr_merge',
    args: [{ anyOf: ['array', 'set'] }],
    result: 'set',
    impl: ([v]) => {
      if (Array.isArray(v)) return mergeCIDRs('net.cidr_merge', v);
      if (v instanceof RegoSet) return mergeCIDRs('net.cidr_merge', v.sorted());
      throw typeError('net.cidr_merge', 1, 'one of {array, set}', v);
    },
  });
  registry.register({
    name: 'net.lookup_ip_addr',
    args: ['string'],
    result: 'set',
    nondeterministic: true,
    impl: (a, ctx) => {
      const name = str('net.lookup_ip_addr', a, 0);
      // OPA's allow_net applies to lookups too: nothing resolves unless the host is allowed.
      if (!hostAllowed(ctx.network, name))
        throw fail('net.lookup_ip_addr', `unallowed host: ${name}`);
      const ip = parseIP(name);
      if (ip) return RegoSet.of([ipString(ip.n, !ip.v4)]);
      const found = hosts().get(name.toLowerCase());
      if (!found)
        throw fail(
          'net.lookup_ip_addr',
          `lookup ${name}: no such host (only IP literals and /etc/hosts names resolve during evaluation)`,
        );
      return RegoSet.of(found);
    },
  });
  registry.register({
    name: 'net.cidr_is_valid',
    args: ['any'],
    result: 'boolean',
    impl: ([v]) => typeof v === 'string' && parseCIDR(v) !== undefined,
  });
}
