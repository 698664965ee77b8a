import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { serveWebDashboard } from '../../apps/platform/src/web-static';
import { ensureWebBuilt, ROOT } from '../support/browser';
import { startTestPlatform, TestPlatform } from '../support/test-platform';

describe('the platform serving the dashboard', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    await ensureWebBuilt();
    platform = await startTestPlatform();
  });
  afterAll(async () => {
    await platform?.close();
  });

  it('serves index.html at / and revalidates it on every load', async () => {
    const res = await platform.http().get('/').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.text).toContain('<div id="root">');
  });

  it('refuses to be framed by another site, so no click on the dashboard can be hijacked', async () => {
    for (const path of ['/', '/account/api-keys', '/v1/me']) {
      const res = await platform.http().get(path);
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('answers client-side routes with index.html so deep links work', async () => {
    const res = await platform.http().get('/sandboxes/abc-123').expect(200);
    expect(res.text).toContain('<div id="root">');
  });

  it('caches hashed assets for a year', async () => {
    const asset = readdirSync(join(ROOT, 'dist/web/assets')).find((f) => f.endsWith('.js'));
    const res = await platform.http().get(`/assets/${asset}`).expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-type']).toMatch(/javascript/);
  });

  it('leaves API paths to the API, with its JSON errors', async () => {
    for (const path of ['/v1/no-such-thing', '/auth/no-such-thing', '/realms/nope']) {
      const res = await platform.http().get(path).set('Accept', 'text/html');
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.status).toBeGreaterThanOrEqual(400);
    }
    await platform.http().get('/v1/me').expect(401);
    await platform.http().get('/healthz').expect(200);
  });

  it('answers a missing file with a 404, not the page', async () => {
    const res = await platform.http().get('/assets/missing-0000.js');
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('<div id="root">');
  });

  it('says how to build the dashboard when it has not been built', async () => {
    @Module({})
    class EmptyModule {}
    const empty = mkdtempSync(join(tmpdir(), 'nanopod-web-'));
    const app = await NestFactory.create<NestExpressApplication>(EmptyModule, { logger: false });
    try {
      serveWebDashboard(app, empty);
      await app.init();
      const res = await request(app.getHttpServer()).get('/').expect(503);
      expect(res.text).toContain('npm run build:web');
      expect(readFileSync(join(ROOT, 'dist/web/index.html'), 'utf8')).toContain('id="root"');
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
