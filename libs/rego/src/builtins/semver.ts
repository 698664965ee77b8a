/** semver.is_valid / semver.compare (OPA v1/topdown/semver.go, SemVer 2.0.0). */
import type { BuiltinRegistry } from './builtin.types';
import { fail, str } from './args';

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

interface Version {
  nums: [bigint, bigint, bigint];
  pre: string[];
}

export function parseSemver(s: string): Version | undefined {
  const m = SEMVER.exec(s);
  if (!m) return undefined;
  return { nums: [BigInt(m[1]), BigInt(m[2]), BigInt(m[3])], pre: m[4] ? m[4].split('.') : [] };
}

function cmpIdent(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (an) return -1;
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareSemver(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a.nums[i] !== b.nums[i]) return a.nums[i] < b.nums[i] ? -1 : 1;
  if (a.pre.length === 0 || b.pre.length === 0)
    return a.pre.length === b.pre.length ? 0 : a.pre.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const c = cmpIdent(a.pre[i], b.pre[i]);
    if (c !== 0) return c;
  }
  return a.pre.length === b.pre.length ? 0 : a.pre.length < b.pre.length ? -1 : 1;
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'semver.is_valid',
    args: ['any'],
    result: 'boolean',
    impl: ([v]) => typeof v === 'string' && parseSemver(v) !== undefined,
  });
  registry.register({
    name: 'semver.compare',
    args: ['string', 'string'],
    result: 'number',
    impl: (a) => {
      const name = 'semver.compare';
      const x = str(name, a, 0);
      const y = str(name, a, 1);
      const vx = parseSemver(x);
      if (!vx) throw fail(name, `operand 1: string ${JSON.stringify(x)} is not a valid SemVer`);
      const vy = parseSemver(y);
      if (!vy) throw fail(name, `operand 2: string ${JSON.stringify(y)} is not a valid SemVer`);
      return compareSemver(vx, vy);
    },
  });
}
