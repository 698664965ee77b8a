import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfig, prettyLine } from '@nanopod/common';
import { startBanner } from '../src/banner';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS: it runs before any build
const start = require('../scripts/start.js') as {
  plan(root: string): { name: string; why: string; hash: string }[];
  stampBuilt(root: string, name: string, hash: string): void;
};

describe('npm start', () => {
  let root: string;
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  const stampAll = () => {
    for (const step of start.plan(root)) start.stampBuilt(root, step.name, step.hash);
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'nanopod-start-'));
    write('libs/common/src/index.ts', 'export const a = 1;\n');
    write('apps/platform/src/main.ts', 'main();\n');
    write('apps/web/src/main.tsx', 'render();\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds what was never built, then nothing until a source changes', () => {
    expect(start.plan(root).map((s) => `${s.name}: ${s.why}`)).toEqual([
      'server: first build',
      'web: first build',
    ]);
    write('dist/apps/platform/src/main.js', '');
    write('dist/web/index.html', '');
    stampAll();
    expect(start.plan(root)).toEqual([]);

    // Only touched (a checkout): still nothing. A test file changed: nothing either.
    const now = new Date();
    utimesSync(path.join(root, 'libs/common/src/index.ts'), now, now);
    write('libs/common/src/index.spec.ts', 'test();\n');
    expect(start.plan(root)).toEqual([]);

    // A dashboard source changed: the web build only.
    write('apps/web/src/main.tsx', 'render(2);\n');
    expect(start.plan(root).map((s) => `${s.name}: ${s.why}`)).toEqual(['web: sources changed']);
    stampAll();
    // A server output deleted: the server build, though its sources are as stamped.
    rmSync(path.join(root, 'dist/apps/platform/src/main.js'));
    expect(start.plan(root).map((s) => `${s.name}: ${s.why}`)).toEqual(['server: first build']);
  });

  it('prints one banner with the URL, data dir, sign-in, stop and reset', () => {
    const config = loadConfig({ PORT: '8080', NANOPOD_DATA_DIR: '.nanopod' });
    const banner = startBanner(config, '/home/me/nanopod');
    expect(banner).toContain('Nanopod platform on http://localhost:8080');
    expect(banner).toMatch(/Data\s+\/home\/me\/nanopod\/\.nanopod \(embedded PostgreSQL\)/);
    expect(banner).toMatch(/Sign in\s+open the dashboard, press "Sign in with GitHub"/);
    expect(banner).toMatch(/Stop\s+Ctrl-C/);
    expect(banner).toMatch(/Reset\s+stop it, then delete \.nanopod\//);
    const pg = startBanner(
      loadConfig({ DATABASE_URL: 'postgres://u:secret@db:5432/nanopod' }),
      '/home/me',
    );
    expect(pg).toContain('PostgreSQL db:5432/nanopod');
    expect(pg).not.toContain('secret');
    expect(banner).toMatch(/Admins\s+none yet: set NANOPOD_ADMIN_GITHUB_LOGINS/);
    // A bootstrap key file is an admin too: the banner says where it is, not "none yet".
    const keyed = startBanner(
      loadConfig({ NANOPOD_BOOTSTRAP_KEY_FILE: 'admin.key', NANOPOD_ADMIN_GITHUB_LOGINS: 'ada' }),
      '/home/me',
    );
    expect(keyed).toMatch(/Admins\s+ada; an admin API key in \/home\/me\/admin\.key/);
  });

  it('writes readable log lines, without the start-up inventory', () => {
    const line = (o: object) => prettyLine(JSON.stringify({ time: 0, pid: 1, ...o }), false);
    expect(line({ level: 30, context: 'RouterExplorer', msg: 'Mapped {/v1/me, GET} route' })).toBe(
      null,
    );
    expect(line({ level: 40, context: 'Outbox', msg: 'Lago down', attempts: 3 })).toMatch(
      /^\d\d:\d\d:\d\d WARN {2}\[Outbox\] Lago down attempts=3$/,
    );
    expect(line({ level: 30, context: 'platform stopped', ms: 12 })).toMatch(
      /INFO {2}platform stopped ms=12$/,
    );
  });
});
