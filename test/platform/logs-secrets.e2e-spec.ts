import { startPlatformProcess } from '../../bench/lib/platform-process';

describe('logs', () => {
  it('never contain API keys, cookies or bodies, even at debug level', async () => {
    const platform = await startPlatformProcess({ NANOPOD_LOG_LEVEL: 'debug' });
    let out = '';
    platform.child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    platform.child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const auth = { authorization: `Bearer ${platform.adminKey}` };
      const created = await fetch(`${platform.url}/v1/api-keys`, {
        method: 'POST',
        headers: {
          ...auth,
          'content-type': 'application/json',
          cookie: 'nanopod_session=cookie-secret-value',
        },
        body: JSON.stringify({ name: 'body-marker-name', scopes: ['read'] }),
      });
      expect(created.status).toBe(201);
      const { secret } = (await created.json()) as { secret: string };
      expect(
        (await fetch(`${platform.url}/v1/me`, { headers: { authorization: `Bearer ${secret}` } }))
          .status,
      ).toBe(200);
      await fetch(`${platform.url}/v1/me`, {
        headers: { authorization: 'Bearer npk_wrongwrongwr_' + 'x'.repeat(43) },
      });
      // The request log line is written after the response: wait for both /v1/me lines.
      const deadline = Date.now() + 15_000;
      while (out.split('"path":"/v1/me"').length - 1 < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(out.split('"path":"/v1/me"').length - 1).toBeGreaterThanOrEqual(2);
      for (const secretValue of [
        platform.adminKey,
        secret,
        'cookie-secret-value',
        'body-marker-name',
        'x'.repeat(43),
      ]) {
        expect(out).not.toContain(secretValue);
      }
      expect(out).not.toMatch(/npk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/);
    } finally {
      await platform.stop();
    }
  });
});
