import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli-process';
import { Browser } from '../support/oidc-browser';
import { databaseKinds } from '../support/test-database';
import { startTestPlatform, TestPlatform } from '../support/test-platform';

describe.each(databaseKinds())(
  'nanopod login, whoami and api-keys as child processes (%s)',
  (kind) => {
    let platform: TestPlatform;
    let configDir: string;
    let env: Record<string, string>;

    beforeAll(async () => {
      platform = await startTestPlatform({ kind });
      configDir = mkdtempSync(path.join(tmpdir(), 'nanopod-cli-'));
      env = { NANOPOD_URL: platform.config.publicUrl, NANOPOD_CONFIG_DIR: configDir };
    });
    afterAll(async () => {
      await platform?.close();
      rmSync(configDir, { recursive: true, force: true });
    });

    const credentialsFile = () => path.join(configDir, 'credentials.json');

    it('signs in with the loopback redirect and PKCE, storing tokens with mode 0600', async () => {
      const run = runCli(['login', '--json'], env);
      const [, url] = await run.waitForStderr(/Open this page to sign in:\s+(\S+)/);
      expect(url).toContain('/realms/nanopod/protocol/openid-connect/auth?');
      expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
      const browser = new Browser();
      const landed = await browser.signIn(url, { login: 'cli-user', name: 'Cli User' });
      expect(landed.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
      expect(landed.body).toContain('Signed in');
      const { code, stdout, stderr } = await run.done;
      expect({ code, stderr }).toMatchObject({ code: 0 });
      expect(JSON.parse(stdout)).toMatchObject({
        github_login: 'cli-user',
        via: 'jwt',
        roles: ['developer'],
      });
      expect(statSync(credentialsFile()).mode & 0o777).toBe(0o600);
      const stored = JSON.parse(readFileSync(credentialsFile(), 'utf8')) as Record<string, unknown>;
      expect(stored).toMatchObject({ url: platform.config.publicUrl, client_id: 'nanopod-cli' });
      expect(stored.refresh_token).toBeTruthy();

      const who = await runCli(['whoami', '--json'], env).done;
      expect(who.code).toBe(0);
      expect(JSON.parse(who.stdout)).toMatchObject({ github_login: 'cli-user', via: 'jwt' });
      const table = await runCli(['whoami'], env).done;
      expect(table.stdout).toMatch(/github_login\s+cli-user/);
    });

    it('refreshes an expired access token before calling the platform', async () => {
      const stored = JSON.parse(readFileSync(credentialsFile(), 'utf8')) as Record<string, unknown>;
      writeFileSync(credentialsFile(), JSON.stringify({ ...stored, expires_at: 1 }), {
        mode: 0o600,
      });
      const who = await runCli(['whoami', '--json'], env).done;
      expect(who.code).toBe(0);
      const after = JSON.parse(readFileSync(credentialsFile(), 'utf8')) as Record<string, unknown>;
      expect(after.access_token).not.toBe(stored.access_token);
      expect(Number(after.expires_at)).toBeGreaterThan(Date.now() / 1000);
    });

    it('creates, lists and revokes API keys, and the key works from NANOPOD_API_KEY until revoked', async () => {
      const created = await runCli(
        ['api-keys', 'create', '--name', 'ci', '--scope', 'read', '--json'],
        env,
      ).done;
      expect(created.code).toBe(0);
      const key = JSON.parse(created.stdout) as { id: string; secret: string; scopes: string[] };
      expect(key.secret).toMatch(/^npk_/);
      expect(key.scopes).toEqual(['read']);

      const human = await runCli(['api-keys', 'create', '--name', 'laptop'], env).done;
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/secret\s+npk_/);
      expect(human.stderr).toContain('shown once');

      const ls = await runCli(['api-keys', 'ls', '--json'], env).done;
      const rows = JSON.parse(ls.stdout) as Array<{ id: string; name: string; prefix: string }>;
      expect(rows.map((r) => r.name).sort()).toEqual(['ci', 'laptop']);
      expect(ls.stdout).not.toContain(key.secret);
      const lsTable = await runCli(['api-keys', 'ls'], env).done;
      expect(lsTable.stdout).toMatch(/PREFIX/);

      const withKey = { ...env, NANOPOD_API_KEY: key.secret };
      const who = await runCli(['whoami', '--json'], withKey).done;
      expect(JSON.parse(who.stdout)).toMatchObject({ github_login: 'cli-user', via: 'api_key' });

      const revoked = await runCli(['api-keys', 'revoke', key.id, '--json'], env).done;
      expect(revoked.code).toBe(0);
      expect(JSON.parse(revoked.stdout)).toMatchObject({ id: key.id, status: 'revoked' });

      const refused = await runCli(['whoami', '--json'], withKey).done;
      expect(refused.code).not.toBe(0);
      expect(JSON.parse(refused.stderr)).toMatchObject({ error: { code: 'auth.key_revoked' } });

      const bad = await runCli(['api-keys', 'revoke', 'not-a-uuid'], env).done;
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^error: /);
    });

    it('signs in with the device flow', async () => {
      const deviceDir = mkdtempSync(path.join(tmpdir(), 'nanopod-cli-device-'));
      try {
        const run = runCli(['login', '--device', '--json'], {
          ...env,
          NANOPOD_CONFIG_DIR: deviceDir,
        });
        const [, page] = await run.waitForStderr(/To sign in, open\s+(\S+)/);
        expect(page).toContain('/realms/nanopod/device');
        const browser = new Browser();
        const last = await browser.signIn(page, { login: 'device-user' });
        expect(last.body).toContain('The CLI is signed in');
        const { code, stdout, stderr } = await run.done;
        expect({ code, stderr }).toMatchObject({ code: 0 });
        expect(JSON.parse(stdout)).toMatchObject({ github_login: 'device-user', via: 'jwt' });
      } finally {
        rmSync(deviceDir, { recursive: true, force: true });
      }
    });

    it('logs out: forgets the tokens, and whoami then asks to sign in', async () => {
      const out = await runCli(['logout', '--json'], env).done;
      expect(out.code).toBe(0);
      expect(JSON.parse(out.stdout)).toMatchObject({
        signed_out: true,
        refresh_token_revoked: true,
      });
      const who = await runCli(['whoami', '--json'], env).done;
      expect(who.code).toBe(2);
      expect(JSON.parse(who.stderr)).toMatchObject({ error: { code: 'cli.not_signed_in' } });
    });
  },
);
