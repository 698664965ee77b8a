import { ConfigError } from '@nanopod/common';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createServer } from 'node:net';
import request from 'supertest';
import { startPlatform } from '../../apps/platform/src/bootstrap';
import { createTestDatabase, databaseKinds, pgliteEnv } from '../support/test-database';

describe.each(databaseKinds())('bootstrap admin key (%s)', (kind) => {
  it('writes one admin API key with mode 0600 on first start, and never again', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nanopod-bootstrap-'));
    const db = await createTestDatabase(kind);
    const keyFile = path.join(dir, 'secrets', 'admin.key');
    const env = {
      PATH: process.env.PATH,
      NANOPOD_ENV: 'test',
      PORT: '0',
      NANOPOD_LOCAL_NODE_AGENT: 'false',
      ...db.env,
      // PGlite on disk, so the second start sees the first start's database.
      NANOPOD_DATA_DIR: kind === 'pglite' ? path.join(dir, 'data') : ':memory:',
      NANOPOD_BOOTSTRAP_KEY_FILE: keyFile,
      NANOPOD_METRICS_PORT: '0',
    };
    try {
      const first = await startPlatform({ env });
      let key: string;
      try {
        expect(statSync(keyFile).mode & 0o777).toBe(0o600);
        key = readFileSync(keyFile, 'utf8').trim();
        expect(key).toMatch(/^npk_/);
        const me = await request(first.app.getHttpServer())
          .get('/v1/me')
          .set('Authorization', `Bearer ${key}`);
        expect(me.status).toBe(200);
        expect(me.body).toMatchObject({
          roles: ['admin', 'developer'],
          scopes: ['admin', 'read', 'write'],
        });
        const admin = await request(first.app.getHttpServer())
          .get('/v1/admin/users')
          .set('Authorization', `Bearer ${key}`);
        expect(admin.status).toBe(200);
      } finally {
        await first.close();
      }

      rmSync(keyFile);
      const second = await startPlatform({ env });
      try {
        expect(existsSync(keyFile)).toBe(false);
        const me = await request(second.app.getHttpServer())
          .get('/v1/me')
          .set('Authorization', `Bearer ${key}`);
        expect(me.status).toBe(200);
      } finally {
        await second.close();
      }
    } finally {
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the built-in issuer in production', () => {
  it('refuses to start unless NANOPOD_BUILTIN_ISSUER=true, and says so', async () => {
    const env = {
      NANOPOD_ENV: 'production',
      NANOPOD_PUBLIC_URL: 'https://nanopod.example.test',
      NANOPOD_SECRETS_KEY: Buffer.alloc(32, 1).toString('base64'),
      NANOPOD_DATA_DIR: ':memory:',
      NANOPOD_METRICS_PORT: '0',
      PORT: '0',
    };
    const err = await startPlatform({ env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.join('\n')).toMatch(
      /NANOPOD_OIDC_ISSUER is required in production \(or set NANOPOD_BUILTIN_ISSUER=true/,
    );
    const off = await startPlatform({ env: { ...env, NANOPOD_BUILTIN_ISSUER: 'false' } }).catch(
      (e: unknown) => e,
    );
    expect(off).toBeInstanceOf(ConfigError);
  });

  it('starts with NANOPOD_BUILTIN_ISSUER=true and then marks its cookies Secure', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const platform = await startPlatform({
      env: {
        NANOPOD_ENV: 'production',
        NANOPOD_SECRETS_KEY: Buffer.alloc(32, 1).toString('base64'),
        NANOPOD_BUILTIN_ISSUER: 'true',
        NANOPOD_PUBLIC_URL: `http://127.0.0.1:${port}`,
        ...pgliteEnv(),
        NANOPOD_METRICS_PORT: '0',
        NANOPOD_LOG_LEVEL: 'silent',
        NANOPOD_LOCAL_NODE_AGENT: 'false',
        PORT: String(port),
      },
    });
    try {
      const res = await fetch(`http://127.0.0.1:${port}/auth/login`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.getSetCookie().join('\n')).toMatch(/nanopod_login=[^;]+;.*Secure/i);
    } finally {
      await platform.close();
    }
  });
});
