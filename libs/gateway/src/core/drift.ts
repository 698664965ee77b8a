import {
  GatewayConfig,
  ID_PREFIX,
  MANAGED_LABEL,
  MANAGED_RESOURCES,
  ManagedResource,
} from './apisix-config';

/** An object as APISIX returns it (`value` of a GET): ours plus what APISIX added. */
export type StoredObject = Record<string, unknown> & { id: string };
export type ActualState = Record<ManagedResource, StoredObject[]>;

export type SyncOp =
  | { kind: 'put'; resource: ManagedResource; id: string; body: Record<string, unknown> }
  | { kind: 'delete'; resource: ManagedResource; id: string };

/**
 * Fields APISIX adds to what it stores: timestamps, and the schema defaults it fills in
 * (`status`, `priority`; an upstream's `scheme`, `pass_host`, `hash_on`). Any other field
 * present in APISIX but not in the desired object is drift (someone added it by hand).
 */
const SERVER_FIELDS: Record<ManagedResource, readonly string[]> = {
  routes: ['id', 'create_time', 'update_time', 'status', 'priority'],
  upstreams: ['id', 'create_time', 'update_time', 'scheme', 'pass_host', 'hash_on', 'type'],
  global_rules: ['id', 'create_time', 'update_time'],
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Whether APISIX holds `want`: every field we set has our value (objects compared as subsets,
 * because APISIX fills schema defaults into plugin configs and upstream nodes; arrays item by
 * item), and the set of plugins is exactly ours.
 */
export function holds(want: unknown, have: unknown, key = ''): boolean {
  if (isObject(want)) {
    if (!isObject(have)) return false;
    if (key === 'plugins') {
      const a = Object.keys(want).sort();
      const b = Object.keys(have).sort();
      if (a.join(',') !== b.join(',')) return false;
    }
    return Object.entries(want).every(([k, v]) => holds(v, have[k], k));
  }
  if (Array.isArray(want)) {
    return (
      Array.isArray(have) && have.length === want.length && want.every((v, i) => holds(v, have[i]))
    );
  }
  return want === have;
}

function matches(resource: ManagedResource, want: Record<string, unknown>, have: StoredObject) {
  if (!holds(want, have)) return false;
  const allowed = new Set([...Object.keys(want), ...SERVER_FIELDS[resource]]);
  return Object.keys(have).every((k) => allowed.has(k));
}

/** Ours: labelled `managed-by: nanopod`, or (global rules, which carry no labels) our id prefix. */
export function isManaged(resource: ManagedResource, obj: StoredObject): boolean {
  if (resource === 'global_rules') return obj.id.startsWith(ID_PREFIX);
  const labels = obj.labels as Record<string, string> | undefined;
  return labels?.['managed-by'] === MANAGED_LABEL['managed-by'];
}

/**
 * The Admin API calls that turn `actual` into `desired`. Creates and updates go upstreams
 * first (a route may name only an existing upstream); deletes go routes first (APISIX refuses
 * to delete an upstream a route still uses). Objects that are not ours are left alone.
 */
export function planSync(desired: GatewayConfig, actual: ActualState): SyncOp[] {
  const puts: SyncOp[] = [];
  const deletes: SyncOp[] = [];
  for (const resource of MANAGED_RESOURCES) {
    const have = new Map(actual[resource].map((o) => [o.id, o]));
    const wanted = new Set<string>();
    for (const obj of desired[resource]) {
      const body = { ...obj } as Record<string, unknown>;
      wanted.add(obj.id);
      const current = have.get(obj.id);
      if (!current || !matches(resource, body, current)) {
        delete body.id;
        puts.push({ kind: 'put', resource, id: obj.id, body });
      }
    }
    for (const obj of actual[resource]) {
      if (!wanted.has(obj.id) && isManaged(resource, obj)) {
        deletes.push({ kind: 'delete', resource, id: obj.id });
      }
    }
  }
  const deleteOrder: ManagedResource[] = ['routes', 'global_rules', 'upstreams'];
  deletes.sort((a, b) => deleteOrder.indexOf(a.resource) - deleteOrder.indexOf(b.resource));
  return [...puts, ...deletes];
}
