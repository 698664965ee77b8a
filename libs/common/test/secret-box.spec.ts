import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config';
import { SecretBox } from '../src/secrets/secret-box';
import { secretBoxFor } from '../src/secrets/secret-box';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('the secret box', () => {
  it('seals with a fresh IV each time and opens only with the same key, unaltered', () => {
    const box = new SecretBox(Buffer.from(KEY, 'base64'));
    const a = box.seal('hunter2');
    const b = box.seal('hunter2');
    expect(a).toMatch(/^v1:/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('hunter2');
    expect(box.open(a)).toBe('hunter2');
    expect(() => new SecretBox(Buffer.alloc(32, 8)).open(a)).toThrow();
    const raw = Buffer.from(a.slice(3), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => box.open(`v1:${raw.toString('base64')}`)).toThrow();
  });

  it('refuses production without NANOPOD_SECRETS_KEY and a key of the wrong size', () => {
    const prod = {
      NANOPOD_ENV: 'production',
      NANOPOD_PUBLIC_URL: 'https://np.example.com',
      NANOPOD_BUILTIN_ISSUER: 'true',
    };
    expect(() => loadConfig(prod)).toThrow(/NANOPOD_SECRETS_KEY is required in production/);
    expect(() => loadConfig({ ...prod, NANOPOD_SECRETS_KEY: 'c2hvcnQ=' })).toThrow(
      /NANOPOD_SECRETS_KEY must be 32 bytes/,
    );
    expect(loadConfig({ ...prod, NANOPOD_SECRETS_KEY: KEY }).secretsKey).toBe(KEY);
  });

  it('in development makes one key in the data dir (0600) and keeps using it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nanopod-secrets-'));
    try {
      const config = loadConfig({ NANOPOD_DATA_DIR: dir });
      const sealed = secretBoxFor(config).seal('value');
      expect(statSync(join(dir, 'secrets.key')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, 'secrets.key'), 'utf8').trim()).toHaveLength(44);
      expect(secretBoxFor(config).open(sealed)).toBe('value');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
