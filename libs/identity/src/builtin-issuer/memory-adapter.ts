/**
 * oidc-provider's storage port, in memory with expiry. The built-in issuer serves one process
 * (the embedded default); Keycloak is the store when several platform instances run.
 *
 * Most entries are never read again once they expire (an interaction a visitor abandoned, a
 * used authorization code, a session nobody comes back with), so expiry on read alone kept
 * every one of them: a scope's stores are swept of expired entries at most once a minute, or
 * after SWEEP_EVERY_WRITES writes, whichever comes first.
 */
interface Entry {
  payload: Record<string, unknown>;
  expiresAt: number;
}

const stores = new Map<string, Map<string, Entry>>();
const SWEEP_EVERY_MS = 60_000;
const SWEEP_EVERY_WRITES = 1000;
/** By scope: when its stores were last swept and the writes since. */
const sweeps = new Map<string, { at: number; writes: number }>();

function sweepIfDue(scope: string): void {
  const now = Date.now();
  let s = sweeps.get(scope);
  if (!s) {
    s = { at: now, writes: 0 };
    sweeps.set(scope, s);
  }
  if (++s.writes < SWEEP_EVERY_WRITES && now - s.at < SWEEP_EVERY_MS) return;
  s.at = now;
  s.writes = 0;
  for (const [key, store] of stores) {
    if (!key.startsWith(`${scope}:`)) continue;
    for (const [id, e] of store) if (e.expiresAt <= now) store.delete(id);
  }
}

function storeFor(key: string): Map<string, Entry> {
  let s = stores.get(key);
  if (!s) {
    s = new Map();
    stores.set(key, s);
  }
  return s;
}

/** One adapter class per provider, so two issuers in one process (tests) share nothing. */
export function memoryAdapterClass(scope: string) {
  return class MemoryAdapter {
    private readonly items: Map<string, Entry>;
    constructor(private readonly model: string) {
      this.items = storeFor(`${scope}:${model}`);
    }

    private live(id: string): Entry | undefined {
      const e = this.items.get(id);
      if (e && e.expiresAt <= Date.now()) {
        this.items.delete(id);
        return undefined;
      }
      return e;
    }

    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
      sweepIfDue(scope);
      const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Number.MAX_SAFE_INTEGER;
      this.items.set(id, { payload, expiresAt });
      if (this.model === 'Session' && typeof payload.uid === 'string') {
        storeFor(`${scope}:SessionUid`).set(payload.uid, {
          payload: { id },
          expiresAt: Date.now() + (expiresIn ?? 86400) * 1000,
        });
      }
      if (typeof payload.userCode === 'string') {
        storeFor(`${scope}:UserCode`).set(payload.userCode, {
          payload: { id },
          expiresAt: Date.now() + (expiresIn ?? 600) * 1000,
        });
      }
      if (typeof payload.grantId === 'string') {
        // Kept as long as the longest-lived entry it lists.
        const grants = storeFor(`${scope}:Grant-index`);
        const index = grants.get(payload.grantId);
        const ids = (index?.payload.ids as string[] | undefined) ?? [];
        ids.push(`${this.model}:${id}`);
        grants.set(payload.grantId, {
          payload: { ids },
          expiresAt: Math.max(index?.expiresAt ?? 0, expiresAt),
        });
      }
    }

    async find(id: string): Promise<Record<string, unknown> | undefined> {
      return this.live(id)?.payload;
    }

    async findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
      const ref = storeFor(`${scope}:SessionUid`).get(uid);
      return ref ? this.find(ref.payload.id as string) : undefined;
    }

    async findByUserCode(userCode: string): Promise<Record<string, unknown> | undefined> {
      const ref = storeFor(`${scope}:UserCode`).get(userCode);
      return ref ? this.find(ref.payload.id as string) : undefined;
    }

    async consume(id: string): Promise<void> {
      const e = this.live(id);
      if (e) e.payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      this.items.delete(id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const grants = storeFor(`${scope}:Grant-index`);
      for (const ref of (grants.get(grantId)?.payload.ids as string[] | undefined) ?? []) {
        const [model, id] = ref.split(':');
        storeFor(`${scope}:${model}`).delete(id);
      }
      grants.delete(grantId);
    }
  };
}

/** Forgets everything an issuer stored (on shutdown). */
export function dropMemoryAdapter(scope: string): void {
  for (const key of [...stores.keys()]) if (key.startsWith(`${scope}:`)) stores.delete(key);
  sweeps.delete(scope);
}

/** How many entries an issuer holds, expired or not (tests, diagnostics). */
export function memoryAdapterEntries(scope: string): number {
  let n = 0;
  for (const [key, store] of stores) if (key.startsWith(`${scope}:`)) n += store.size;
  return n;
}
