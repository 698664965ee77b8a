import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  Clock,
  ClusterBus,
  ForbiddenError,
  NotFoundError,
  Reconciler,
  ValidationError,
} from '@nanopod/common';
import { ApiKeyEntity } from '../entities/api-key.entity';
import { UserEntity } from '../entities/user.entity';
import { ApiKeysRepository } from '../repositories/api-keys.repository';
import { UsersRepository } from '../repositories/users.repository';
import { ApiKeyScope, isAdmin, Principal, scopesForRoles } from '../auth/principal';
import { generateApiKey, parseApiKey, secretMatches } from './api-key-secret';
import { IdentityErrorCodes } from '../identity.errors';

const REVOKED_CHANNEL = 'nanopod_api_key_revoked';

export type ApiKeyFailure = 'key_unknown' | 'key_revoked' | 'key_expired';
/**
 * Verified keys are served from memory this long; revocation evicts them everywhere at once
 * through the bus, and the expiry bounds what a notification lost while the bus was down could
 * leave behind.
 */
const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 10_000;
/** How often the uses seen are written (each key at most once per LAST_USED_EVERY_MS). */
const LAST_USED_FLUSH_MS = 5_000;
/** last_used_at is a "roughly when" for people: one write per key per minute, never per request. */
const LAST_USED_EVERY_MS = 60_000;

interface CachedKey {
  key: ApiKeyEntity;
  user: UserEntity;
  cachedAt: number;
}

export interface CreatedApiKey {
  key: ApiKeyEntity;
  token: string;
}

@Injectable()
export class ApiKeysService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ApiKeysService.name);
  /** By key id (the public part of the token); the secret is checked against the hash each time. */
  private readonly cache = new Map<string, CachedKey>();
  /** Database reads under way, by key id: a burst on a cold key reads it once. */
  private readonly loading = new Map<string, Promise<CachedKey | null>>();
  /** Key (row id) -> latest use not yet written. */
  private readonly lastUsed = new Map<string, number>();
  /** Key (row id) -> the use last written, to write each key at most once a minute. */
  private readonly lastWritten = new Map<string, number>();
  // Per instance (no leader): each flushes the uses it saw.
  private readonly lastUsedFlush = new Reconciler(
    { name: 'identity.api-key-last-used', intervalMs: LAST_USED_FLUSH_MS },
    () => this.flushLastUsed(),
  );

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly users: UsersRepository,
    private readonly bus: ClusterBus,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe(REVOKED_CHANNEL, (keyId) => this.evict(keyId));
    this.lastUsedFlush.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.lastUsedFlush.stop();
    await this.flushLastUsed();
  }

  async create(
    principal: Principal,
    input: { name: string; scopes: ApiKeyScope[]; expiresAt?: Date },
  ): Promise<CreatedApiKey> {
    const allowed = principal.scopes.filter((s) => scopesForRoles(principal.roles).includes(s));
    const missing = input.scopes.filter((s) => !allowed.includes(s));
    if (missing.length > 0) {
      throw new ForbiddenError(
        IdentityErrorCodes.apiKeyScopeNotAllowed,
        `You cannot grant scopes you do not hold: ${missing.join(', ')}`,
        {
          missing,
        },
      );
    }
    const now = this.clock.now();
    if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
      throw new ValidationError(
        IdentityErrorCodes.apiKeyExpiryInPast,
        'expires_at must be in the future',
        {
          fields: [{ field: 'expires_at', problems: ['must be in the future'] }],
        },
      );
    }
    const generated = generateApiKey();
    const key = await this.keys.insert({
      userId: principal.userId,
      name: input.name,
      keyId: generated.keyId,
      secretHash: generated.secretHash,
      scopes: [...new Set(input.scopes)].sort(),
      createdAt: now,
      expiresAt: input.expiresAt ?? null,
      lastUsedAt: null,
      revokedAt: null,
    });
    this.logger.log({ apiKeyId: key.id, userId: key.userId }, 'api key created');
    return { key, token: generated.token };
  }

  /** A user's own keys, newest first (revoked ones included, marked). */
  list(userId: string): Promise<ApiKeyEntity[]> {
    return this.keys.listFor(userId);
  }

  /** Revokes a key of the caller's (or any key, for an admin). Another user's key is "not found". */
  async revoke(principal: Principal, id: string): Promise<ApiKeyEntity> {
    const key = await this.keys.findById(id);
    if (!key || (key.userId !== principal.userId && !isAdmin(principal))) {
      throw new NotFoundError(IdentityErrorCodes.apiKeyNotFound, 'No such API key');
    }
    if (!key.revokedAt) {
      key.revokedAt = this.clock.now();
      await this.keys.revoke([key.id], key.revokedAt);
      this.logger.log({ apiKeyId: key.id, by: principal.userId }, 'api key revoked');
    }
    this.evict(key.keyId);
    await this.bus.publish(REVOKED_CHANNEL, key.keyId);
    return key;
  }

  /** Revokes every key of a user (account disabled, compromise). */
  async revokeAllFor(userId: string): Promise<number> {
    const keys = await this.keys.listFor(userId);
    const live = keys.filter((k) => !k.revokedAt);
    if (live.length === 0) return 0;
    await this.keys.revoke(
      live.map((k) => k.id),
      this.clock.now(),
    );
    for (const k of live) {
      this.evict(k.keyId);
      await this.bus.publish(REVOKED_CHANNEL, k.keyId);
    }
    return live.length;
  }

  /** The key and its user when the token is valid now; null otherwise. Constant-time secret check. */
  async verify(token: string): Promise<{ key: ApiKeyEntity; user: UserEntity } | null> {
    const result = await this.check(token);
    return 'failure' in result ? null : result;
  }

  /**
   * The key and its user, or why not. `key_revoked` and `key_expired` are told only to whoever
   * holds the whole key (its secret matched); anything else is `key_unknown`, so a caller
   * cannot learn which key ids exist.
   */
  async check(
    token: string,
  ): Promise<{ key: ApiKeyEntity; user: UserEntity } | { failure: ApiKeyFailure }> {
    const unknown = { failure: 'key_unknown' as const };
    const parsed = parseApiKey(token);
    if (!parsed) return unknown;
    const nowMs = this.clock.nowMs();
    let entry = this.cache.get(parsed.keyId);
    if (!entry || nowMs - entry.cachedAt > CACHE_TTL_MS) {
      entry = (await this.load(parsed.keyId, nowMs)) ?? undefined;
      if (!entry) {
        // Spend the same hashing work as a real key, so a miss is not faster to detect.
        secretMatches(parsed.secret, '0'.repeat(64));
        return unknown;
      }
    }
    const { key, user } = entry;
    if (!secretMatches(parsed.secret, key.secretHash)) return unknown;
    if (key.revokedAt) return { failure: 'key_revoked' };
    if (key.expiresAt && key.expiresAt.getTime() <= nowMs) return { failure: 'key_expired' };
    const written = this.lastWritten.get(key.id);
    if (written === undefined || nowMs - written >= LAST_USED_EVERY_MS) {
      this.lastUsed.set(key.id, nowMs);
    }
    return { key, user };
  }

  private load(keyId: string, nowMs: number): Promise<CachedKey | null> {
    let pending = this.loading.get(keyId);
    if (!pending) {
      pending = (async () => {
        try {
          const key = await this.keys.findByKeyId(keyId);
          const user = key ? await this.users.findById(key.userId) : null;
          if (!key || !user) {
            this.cache.delete(keyId);
            return null;
          }
          const entry = { key, user, cachedAt: nowMs };
          // A revocation published while this read was under way wins over the read.
          if (this.loading.get(keyId) === pending) {
            if (this.cache.size >= CACHE_MAX) this.cache.clear();
            this.cache.set(keyId, entry);
          }
          return entry;
        } finally {
          if (this.loading.get(keyId) === pending) this.loading.delete(keyId);
        }
      })();
      this.loading.set(keyId, pending);
    }
    return pending;
  }

  private evict(keyId: string): void {
    this.cache.delete(keyId);
    this.loading.delete(keyId);
  }

  /**
   * Writes the uses seen since the last flush, each key at most once a minute (a key in
   * constant use is written once a minute, not once a request or once a flush).
   */
  async flushLastUsed(): Promise<void> {
    if (this.lastUsed.size === 0) return;
    const batch = [...this.lastUsed.entries()];
    this.lastUsed.clear();
    let done = 0;
    try {
      for (const [id, at] of batch) {
        await this.keys.touchLastUsed(id, new Date(at));
        this.lastWritten.set(id, at);
        done++;
      }
    } catch (err) {
      // The rest is tried again at the next flush (unless a later use replaced it meanwhile).
      for (const [id, at] of batch.slice(done))
        if (!this.lastUsed.has(id)) this.lastUsed.set(id, at);
      this.logger.warn({ err: (err as Error).message }, 'could not record API key last use');
    }
    if (this.lastWritten.size > CACHE_MAX) this.lastWritten.clear();
  }

  async countActiveAdminKeys(): Promise<number> {
    return this.keys.countActiveAdminKeys();
  }
}
