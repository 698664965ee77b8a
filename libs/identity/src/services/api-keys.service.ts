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
/** Verified keys are cached this long; revocation evicts them everywhere at once through the bus. */
const CACHE_TTL_MS = 30_000;
const LAST_USED_FLUSH_MS = 5_000;

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
  private readonly cache = new Map<string, CachedKey>();
  private readonly lastUsed = new Map<string, Date>();
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
    await this.bus.subscribe(REVOKED_CHANNEL, (keyId) => this.cache.delete(keyId));
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
    this.cache.delete(key.keyId);
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
      this.cache.delete(k.keyId);
      await this.bus.publish(REVOKED_CHANNEL, k.keyId);
    }
    return live.length;
  }

  /** The key and its user when the token is valid now; null otherwise. Constant-time secret check. */
  async verify(token: string): Promise<{ key: ApiKeyEntity; user: UserEntity } | null> {
    const parsed = parseApiKey(token);
    if (!parsed) return null;
    const nowMs = this.clock.nowMs();
    let entry = this.cache.get(parsed.keyId);
    if (!entry || nowMs - entry.cachedAt > CACHE_TTL_MS) {
      const key = await this.keys.findByKeyId(parsed.keyId);
      const user = key ? await this.users.findById(key.userId) : null;
      if (!key || !user) {
        this.cache.delete(parsed.keyId);
        // Spend the same hashing work as a real key, so a miss is not faster to detect.
        secretMatches(parsed.secret, '0'.repeat(64));
        return null;
      }
      entry = { key, user, cachedAt: nowMs };
      this.cache.set(parsed.keyId, entry);
    }
    const { key, user } = entry;
    if (!secretMatches(parsed.secret, key.secretHash)) return null;
    if (key.revokedAt) return null;
    if (key.expiresAt && key.expiresAt.getTime() <= nowMs) return null;
    this.lastUsed.set(key.id, new Date(nowMs));
    return { key, user };
  }

  /** last_used_at is written in batches: per-request writes would halve API-key throughput. */
  async flushLastUsed(): Promise<void> {
    if (this.lastUsed.size === 0) return;
    const batch = [...this.lastUsed.entries()];
    this.lastUsed.clear();
    try {
      for (const [id, at] of batch) {
        await this.keys.touchLastUsed(id, at);
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not record API key last use');
    }
  }

  async countActiveAdminKeys(): Promise<number> {
    return this.keys.countActiveAdminKeys();
  }
}
