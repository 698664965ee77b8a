import { ManualClock, SystemClock, Clock } from '@nanopod/common';
import { ApiKeysService, scopesForRoles, UsersService, Role, ApiKeyScope } from '@nanopod/identity';
import request from 'supertest';
import { startPlatform, RunningPlatform } from '../../apps/platform/src/bootstrap';
import { createTestDatabase, TestDatabase } from './test-database';

export interface TestPlatform extends RunningPlatform {
  db: TestDatabase;
  clock: Clock;
  http: () => ReturnType<typeof request>;
  /** GET on the separate /metrics listener: the Prometheus text. */
  metrics(): Promise<string>;
  /** Makes a user and an API key for them; returns the key's bearer header value. */
  createUser(overrides?: {
    githubLogin?: string;
    roles?: Role[];
    scopes?: ApiKeyScope[];
  }): Promise<TestUser>;
}

export interface TestUser {
  id: string;
  githubLogin: string;
  apiKey: string;
  auth: { Authorization: string };
}

let counter = 0;

export async function startTestPlatform(
  options: {
    kind?: 'pglite' | 'postgres';
    env?: Record<string, string>;
    clock?: Clock | 'manual';
  } = {},
): Promise<TestPlatform> {
  const db = await createTestDatabase(options.kind);
  const clock =
    options.clock === 'manual' ? new ManualClock(Date.now()) : (options.clock ?? new SystemClock());
  let platform: RunningPlatform;
  try {
    platform = await startPlatform({
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NANOPOD_ENV: 'test',
        PORT: '0',
        NANOPOD_LOCAL_NODE_AGENT: 'false',
        // In-process tests judge nodes from their first heartbeat; restart suites set their own.
        NANOPOD_NODE_START_GRACE_MS: '0',
        NANOPOD_NODE_LOST_GRACE_MS: '0',
        ...db.env,
        ...options.env,
        // One issuer key for every in-memory platform (the global setup made it); a platform
        // with its own data dir keeps its keys there, as in production.
        ...(process.env.NANOPOD_OIDC_KEYS_FILE &&
        (options.env?.NANOPOD_DATA_DIR ?? db.env.NANOPOD_DATA_DIR) === ':memory:'
          ? { NANOPOD_OIDC_KEYS_FILE: process.env.NANOPOD_OIDC_KEYS_FILE }
          : {}),
      },
      clock,
    });
  } catch (err) {
    await db.drop();
    throw err;
  }
  const users = platform.app.get(UsersService);
  const keys = platform.app.get(ApiKeysService);
  return {
    ...platform,
    db,
    clock,
    http: () => request(platform.app.getHttpServer()),
    async metrics() {
      const res = await fetch(platform.metricsUrl!);
      if (res.status !== 200) throw new Error(`metrics: ${res.status}`);
      return res.text();
    },
    async createUser(overrides = {}) {
      counter += 1;
      const login = overrides.githubLogin ?? `dev-${process.pid}-${counter}`;
      const roles: Role[] = overrides.roles ?? ['developer'];
      const user = await users.upsertFromIdentity({
        keycloakSub: `test-sub-${login}`,
        githubId: String(100000 + counter + process.pid * 1000),
        githubLogin: login,
        email: `${login}@example.test`,
        displayName: login,
      });
      const withRoles = roles.includes('admin') ? await users.setRoles(user.id, roles) : user;
      const { token } = await keys.create(
        {
          userId: withRoles.id,
          githubLogin: login,
          roles: withRoles.roles,
          via: 'api_key',
          scopes: scopesForRoles(withRoles.roles),
          user: withRoles,
        },
        { name: 'test', scopes: overrides.scopes ?? scopesForRoles(withRoles.roles) },
      );
      return {
        id: withRoles.id,
        githubLogin: login,
        apiKey: token,
        auth: { Authorization: `Bearer ${token}` },
      };
    },
    async close() {
      await platform.close();
      await db.drop();
    },
  };
}
