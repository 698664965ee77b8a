import { Injectable } from '@nestjs/common';
import { Clock, ForbiddenError, RateLimitedError, UnauthenticatedError } from '@nanopod/common';
import type { Principal } from '@nanopod/identity';
import { tierHeader } from '../core/rate-tiers';
import { GatewayErrorCodes } from '../gateway.errors';
import { RateTiersService } from './rate-tiers.service';

/** Refused credentials per client address per window before the guard answers 429. */
export const FAILURE_LIMIT = 20;
const FAILURE_WINDOW_MS = 60_000;
const MAX_TRACKED_ADDRESSES = 50_000;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface ForwardAuthRequest {
  /** Who the credentials on the request proved to be; null when none did. */
  principal: Principal | null;
  /** Whether any credential (Authorization, X-Api-Key, session cookie) was presented. */
  presented: boolean;
  /** The client's request as APISIX forwards it (`X-Forwarded-Method`, `X-Forwarded-For`). */
  method: string;
  clientAddress: string;
}

/**
 * The answer to APISIX's forward-auth call. The platform checks the credential itself (the key
 * hash never leaves it), so a revoked key is refused on the very next request; the caller's
 * tier comes from gateway.rego and is handed back as the one header that selects its
 * limit-count rule at the gateway.
 */
@Injectable()
export class ForwardAuthService {
  private readonly failures = new Map<string, { count: number; windowStart: number }>();

  constructor(
    private readonly tiers: RateTiersService,
    private readonly clock: Clock,
  ) {}

  /** Identity and limit headers for a caller APISIX may let through; throws 401/403/429. */
  decide(req: ForwardAuthRequest): Record<string, string> {
    const client = firstAddress(req.clientAddress);
    this.refuseIfGuessing(client);
    const p = req.principal;
    if (!p) {
      if (req.presented) {
        this.recordFailure(client);
        throw new UnauthenticatedError(
          GatewayErrorCodes.credentialInvalid,
          'The API key, token or session is not valid (unknown, revoked or expired)',
        );
      }
      const anonymous = this.tiers.tierOf({ authenticated: false, roles: [], scopes: [] });
      return {
        'X-Nanopod-Tier': anonymous.tier,
        [tierHeader(anonymous.tier)]: `ip:${client}`,
      };
    }
    if (WRITE_METHODS.has(req.method.toUpperCase()) && !p.scopes.includes('write')) {
      throw new ForbiddenError(
        GatewayErrorCodes.scopeMissing,
        `This credential lacks the "write" scope needed for ${req.method.toUpperCase()}`,
        { required: 'write' },
      );
    }
    const tier = this.tiers.tierOf({
      authenticated: true,
      via: p.via,
      roles: p.roles,
      scopes: p.scopes,
    });
    const headers: Record<string, string> = {
      'X-User-Id': p.userId,
      'X-User-Roles': p.roles.join(','),
      'X-Credential-Kind': p.via,
      'X-Nanopod-Tier': tier.tier,
      [tierHeader(tier.tier)]: `user:${p.userId}`,
    };
    if (p.githubLogin) headers['X-User-Login'] = p.githubLogin;
    if (p.apiKeyId) headers['X-Api-Key-Id'] = p.apiKeyId;
    return headers;
  }

  private refuseIfGuessing(client: string): void {
    const entry = this.failures.get(client);
    if (!entry) return;
    const now = this.clock.nowMs();
    if (now - entry.windowStart >= FAILURE_WINDOW_MS) {
      this.failures.delete(client);
      return;
    }
    if (entry.count >= FAILURE_LIMIT) {
      const retryAfterS = Math.ceil((entry.windowStart + FAILURE_WINDOW_MS - now) / 1000);
      throw new RateLimitedError(
        GatewayErrorCodes.tooManyFailures,
        'Too many refused credentials from this address; wait before trying again',
        { retry_after_s: retryAfterS },
      );
    }
  }

  private recordFailure(client: string): void {
    const now = this.clock.nowMs();
    const entry = this.failures.get(client);
    if (entry && now - entry.windowStart < FAILURE_WINDOW_MS) {
      entry.count++;
      return;
    }
    if (this.failures.size >= MAX_TRACKED_ADDRESSES) this.failures.clear();
    this.failures.set(client, { count: 1, windowStart: now });
  }
}

/** APISIX sends the client's address; behind another proxy it may be a list: the first is the client. */
function firstAddress(forwardedFor: string): string {
  return forwardedFor.split(',')[0].trim() || 'unknown';
}
