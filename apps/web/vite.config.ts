import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// Built to dist/web, which the platform serves at `/` (apps/platform/src/web-static.ts).
// In `vite dev`, API paths are proxied to a platform on NANOPOD_URL (default :3000).
const api = process.env.NANOPOD_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: Object.fromEntries(
      ['/v1', '/auth', '/realms', '/docs', '/healthz', '/readyz'].map((p) => [p, api]),
    ),
  },
});
