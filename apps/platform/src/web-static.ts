import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Paths the dashboard never answers: the API, the sign-in flow, the built-in issuer, OpenAPI and
 * operations endpoints keep their own 404s (JSON errors, not index.html).
 */
export const NON_WEB_PREFIXES = [
  '/v1',
  '/auth',
  '/realms',
  '/docs',
  '/docs-json',
  '/metrics',
  '/healthz',
  '/readyz',
  '/gateway',
  '/.well-known',
];

/**
 * Where `npm run build:web` writes: `dist/web` at the repository root. Run from source
 * (apps/platform/src) or built (dist/apps/platform/src), both reach it from here.
 */
export function findWebRoot(): string | undefined {
  const candidates = [
    resolve(__dirname, '../../../dist/web'),
    resolve(__dirname, '../../../web'),
    resolve(process.cwd(), 'dist/web'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

function isWebPath(path: string): boolean {
  return !NON_WEB_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Nanopod</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:560px;margin:12vh auto;padding:0 20px;color:#18181b}
code{background:#f4f4f5;padding:2px 6px;border-radius:4px}</style></head><body>
<h1>Nanopod is running</h1>
<p>The dashboard has not been built. Build it with <code>npm run build:web</code> (or <code>npm run build</code>) and reload this page.</p>
<p>The API is at <a href="/v1/me">/v1</a>, its reference at <a href="/docs">/docs</a>.</p>
</body></html>`;

/**
 * Serves the dashboard at `/`: hashed files under /assets are cached for a year (their name changes
 * with their content), index.html is revalidated every time so a deploy shows at once, and any other
 * GET for a non-API path without a file extension gets index.html (client-side routes deep-link).
 * Must be installed before the app listens, so it runs ahead of Nest's not-found handler.
 */
export function serveWebDashboard(app: INestApplication, webRoot?: string): void {
  const server = app as NestExpressApplication;
  // Looked up per request until found, so a build made after start is picked up without a restart.
  let found: { root: string; assets: express.RequestHandler } | undefined;
  const current = () => {
    if (found && existsSync(join(found.root, 'index.html'))) return found;
    const root = webRoot ?? findWebRoot();
    if (!root || !existsSync(join(root, 'index.html'))) return (found = undefined);
    const assets = express.static(root, {
      index: false,
      fallthrough: true,
      setHeaders(res, filePath) {
        const hashed = filePath.startsWith(join(root, 'assets'));
        res.setHeader(
          'Cache-Control',
          hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
        );
      },
    });
    return (found = { root, assets });
  };

  server.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !isWebPath(req.path)) return next();
    const web = current();
    const sendIndex = () => {
      if (req.path !== '/index.html' && /\.[a-z0-9]+$/i.test(req.path)) return next();
      if (!web) {
        res.status(503).type('html').setHeader('Cache-Control', 'no-store').send(NOT_BUILT);
        return;
      }
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(join(web.root, 'index.html'), (err) => err && next(err));
    };
    if (!web || req.path === '/' || req.path === '/index.html') return sendIndex();
    web.assets(req, res, sendIndex);
  });
}
