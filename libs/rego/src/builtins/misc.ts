/** uuid.*, graph.*, opa.runtime, trace, internal.member_* (OPA v1/topdown/uuid.go, reachable.go, runtime.go). */
import { numberFromBigInt } from '../number';
import { randomUUID } from 'node:crypto';
import { equals, RegoObject, RegoSet, Value } from '../value';
import type { BuiltinRegistry } from './builtin.types';
import { obj, str, typeError } from './args';

function vertices(v: Value | undefined): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RegoSet) return v.sorted();
  return [];
}

function initialNodes(name: string, v: Value): Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RegoSet) return v.sorted();
  throw typeError(name, 2, '{array, set}', v);
}

function reachable(graph: RegoObject, initial: Value[]): RegoSet {
  const reached = new RegoSet();
  const queue = [...initial];
  const queued = RegoSet.of(initial);
  while (queue.length > 0) {
    const node = queue.shift() as Value;
    const edges = graph.get(node);
    if (edges === undefined) continue;
    reached.add(node);
    for (const n of vertices(edges)) {
      if (!reached.has(n) && !queued.has(n)) {
        queued.add(n);
        queue.push(n);
      }
    }
  }
  return reached;
}

/**
 * Port of OPA's pathBuilder as of the conformance suite's revision: `reached` holds expanded
 * nodes and is shared within one top-level edge; paths accumulate per node (OPA's quirk).
 */
function pathBuilder(
  graph: RegoObject,
  root: Value,
  path: Value[],
  out: RegoSet,
  reached: RegoSet,
): void {
  const edges = graph.get(root);
  if (edges === undefined) {
    out.add(path);
    return;
  }
  const p = [...path, root];
  const vs = vertices(edges);
  if (vs.length === 0) {
    out.add(p);
    return;
  }
  let paths: Value[] = [];
  for (const n of vs) {
    if (reached.has(n)) {
      paths = [...paths, ...p];
      out.add(paths);
    } else {
      reached.add(root);
      pathBuilder(graph, n, p, out, reached);
    }
  }
}

/** OPA's macVars: the local/global and unicast/multicast bits of the node id's first byte. */
function macVars(b: number): string {
  if ((b & 3) === 3) return 'local:multicast';
  if ((b & 1) === 1) return 'global:multicast';
  if ((b & 2) === 2) return 'local:unicast';
  return 'global:unicast';
}

function uuidFields(s: string): RegoObject | undefined {
  const m =
    /^(?:urn:uuid:)?\{?([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{12})\}?$/.exec(
      s,
    );
  if (!m) return undefined;
  const hex = m.slice(1).join('').toLowerCase();
  const version = parseInt(hex[12], 16);
  const v = parseInt(hex[16], 16);
  // google/uuid Variant().String(), from the top bits of byte 8.
  const variant =
    (v & 0xc) === 0x8
      ? 'RFC4122'
      : (v & 0xe) === 0xc
        ? 'Microsoft'
        : (v & 0xe) === 0xe
          ? 'Future'
          : 'Reserved';
  const out = new RegoObject().set('version', version).set('variant', variant);
  if (version === 1 || version === 2) {
    const timeLow = BigInt('0x' + hex.slice(0, 8));
    const timeMid = BigInt('0x' + hex.slice(8, 12));
    const timeHi = BigInt('0x' + hex.slice(13, 16));
    const ticks = (timeHi << 48n) | (timeMid << 32n) | timeLow;
    const ns = (ticks - 122192928000000000n) * 100n;
    const node = hex.slice(20).match(/../g) as string[];
    out.set('time', numberFromBigInt(ns));
    out.set('clocksequence', parseInt(hex.slice(16, 20), 16) & 0x3fff);
    out.set('nodeid', node.join('-'));
    out.set('macvariables', macVars(parseInt(node[0], 16)));
    if (version === 2) {
      out.set('id', Number(timeLow));
      out.set(
        'domain',
        ['Person', 'Group', 'Org'][parseInt(hex.slice(18, 20), 16)] ??
          `Domain${parseInt(hex.slice(18, 20), 16)}`,
      );
    }
  }
  return out;
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'uuid.rfc4122',
    args: ['string'],
    result: 'string',
    nondeterministic: true,
    impl: (a, ctx) => {
      const key = 'uuid.rfc4122:' + str('uuid.rfc4122', a, 0);
      const hit = ctx.cache.get(key);
      if (hit !== undefined) return hit;
      const id = randomUUID();
      ctx.cache.set(key, id);
      return id;
    },
  });
  registry.register({
    name: 'uuid.parse',
    args: ['string'],
    result: 'object',
    impl: (a) => uuidFields(str('uuid.parse', a, 0)),
  });
  registry.register({
    name: 'graph.reachable',
    args: ['object', { anyOf: ['array', 'set'] }],
    result: 'set',
    impl: (a) => reachable(obj('graph.reachable', a, 0), initialNodes('graph.reachable', a[1])),
  });
  registry.register({
    name: 'graph.reachable_paths',
    args: ['object', { anyOf: ['array', 'set'] }],
    result: 'set',
    impl: (a) => {
      const graph = obj('graph.reachable_paths', a, 0);
      const out = new RegoSet();
      for (const node of initialNodes('graph.reachable_paths', a[1])) {
        const edges = graph.get(node);
        if (edges === undefined) continue;
        const vs = vertices(edges);
        if (vs.length === 0) out.add([node]);
        for (const n of vs) pathBuilder(graph, n, [node], out, RegoSet.of([node]));
      }
      return out;
    },
  });
  registry.register({
    name: 'opa.runtime',
    args: [],
    result: 'object',
    impl: () =>
      new RegoObject()
        .set('env', new RegoObject())
        .set('version', '1.0.0-nanopod')
        .set('commit', '')
        .set('config', new RegoObject()),
  });
  registry.register({
    name: 'trace',
    args: ['string'],
    result: 'boolean',
    impl: (a) => (str('trace', a, 0), true),
  });
  registry.register({
    name: 'internal.member_2',
    args: ['any', 'any'],
    result: 'boolean',
    impl: ([x, c]) => {
      if (c instanceof RegoSet) return c.has(x);
      if (Array.isArray(c)) return c.some((v) => equals(v, x));
      if (c instanceof RegoObject) return c.values().some((v) => equals(v, x));
      return false;
    },
  });
  registry.register({
    name: 'internal.member_3',
    args: ['any', 'any', 'any'],
    result: 'boolean',
    impl: ([k, v, c]) => {
      if (c instanceof RegoSet) return c.has(k) && equals(k, v);
      if (c instanceof RegoObject) {
        const x = c.get(k);
        return x !== undefined && equals(x, v);
      }
      if (Array.isArray(c)) {
        const x = typeof k === 'number' && Number.isInteger(k) ? c[k] : undefined;
        return x !== undefined && equals(x, v);
      }
      return false;
    },
  });
}
