import { ConfigError, loadConfig } from '@nanopod/common';

describe('loadConfig', () => {
  it('starts with nothing set: port 8080, PGlite in .nanopod, built-in issuer in development', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.env).toBe('development');
    expect(config.database.kind).toBe('pglite');
    expect(config.oidc.builtin).toBe(true);
    expect(config.oidc.issuer).toBe('http://localhost:8080/realms/nanopod');
    expect(config.localNodeAgent).toBe(true);
  });

  it('names the variable when PORT is not a port', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    let refused: unknown;
    try {
      loadConfig({ PORT: '70000' });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems).toEqual([expect.stringContaining('PORT')]);
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ PORT: 'x', NANOPOD_ENV: 'staging', DATABASE_URL: 'mysql://x' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toContain('PORT');
      expect(problems).toContain('NANOPOD_ENV');
      expect(problems).toContain('DATABASE_URL');
    }
  });

  it('gives policies no network unless NANOPOD_POLICY_ALLOW_NET names hosts, and names it when it is malformed', () => {
    expect(loadConfig({}).policyAllowNet).toEqual([]);
    expect(
      loadConfig({ NANOPOD_POLICY_ALLOW_NET: ' api.example.org, 10.0.0.5 ,[::1]' }).policyAllowNet,
    ).toEqual(['api.example.org', '10.0.0.5', '[::1]']);
    let refused: unknown;
    try {
      loadConfig({ NANOPOD_POLICY_ALLOW_NET: 'https://api.example.org/v1' });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems).toEqual([
      expect.stringContaining('NANOPOD_POLICY_ALLOW_NET'),
    ]);
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/nanopod' });
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/nanopod' });
  });

  it('refuses production without an issuer unless the built-in one is explicitly enabled', () => {
    expect(() =>
      loadConfig({ NANOPOD_ENV: 'production', NANOPOD_PUBLIC_URL: 'https://np.example.com' }),
    ).toThrow(/NANOPOD_OIDC_ISSUER is required in production/);
    const config = loadConfig({
      NANOPOD_ENV: 'production',
      NANOPOD_PUBLIC_URL: 'https://np.example.com',
      NANOPOD_BUILTIN_ISSUER: 'true',
      NANOPOD_SECRETS_KEY: Buffer.alloc(32, 1).toString('base64'),
    });
    expect(config.oidc.builtin).toBe(true);
    expect(config.localNodeAgent).toBe(false);
  });

  it('requires the client secret with an external issuer', () => {
    expect(() =>
      loadConfig({ NANOPOD_OIDC_ISSUER: 'https://kc.example.com/realms/nanopod' }),
    ).toThrow(/NANOPOD_OIDC_CLIENT_SECRET/);
  });

  it('normalizes admin logins to lower case', () => {
    expect(loadConfig({ NANOPOD_ADMIN_GITHUB_LOGINS: 'Octocat, hubot' }).adminGithubLogins).toEqual(
      ['octocat', 'hubot'],
    );
  });
});
