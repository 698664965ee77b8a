import type { FakePod } from './fake-types';

/** `k=v,k2=v2` label selectors and `metadata.name=x` field selectors (equality only). */
export function labelSelector(
  labels: string | null,
  fields: string | null,
): ((pod: FakePod) => boolean) | null {
  // A key alone selects objects that have the label (`nanopod.dev/sandbox`).
  const parse = (text: string | null) => {
    const out: Array<[string, string | undefined]> = [];
    for (const part of (text ?? '').split(',').filter(Boolean)) {
      const m = /^([^=!]+)(?:==?(.*))?$/.exec(part.trim());
      if (!m) return null;
      out.push([m[1], m[2]]);
    }
    return out;
  };
  const l = parse(labels);
  const f = parse(fields);
  if (!l || !f) return null;
  return (pod) =>
    l.every(([k, v]) =>
      v === undefined ? pod.metadata.labels?.[k] !== undefined : pod.metadata.labels?.[k] === v,
    ) &&
    f.every(([k, v]) =>
      k === 'metadata.name'
        ? pod.metadata.name === v
        : k === 'metadata.namespace' && pod.metadata.namespace === v,
    );
}
