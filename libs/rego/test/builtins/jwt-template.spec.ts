import { generateKeyPairSync } from 'node:crypto';
import { call, callIn, context, set } from './call';

const NOW_S = 1_700_000_000;

describe('io.jwt built-ins', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsaPrivate = rsa.privateKey.export({ format: 'jwk' });
  const rsaPublicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();

  it('signs with a JWK and verifies with the PEM public key', () => {
    const token = call(
      'io.jwt.encode_sign',
      { alg: 'RS256', typ: 'JWT' },
      { sub: 'alice', exp: NOW_S + 60 },
      rsaPrivate,
    ) as string;
    expect(token.split('.')).toHaveLength(3);
    expect(call('io.jwt.verify_rs256', token, rsaPublicPem)).toBe(true);
    expect(call('io.jwt.verify_rs256', token.slice(0, -2) + 'AA', rsaPublicPem)).toBe(false);
    expect(call('io.jwt.decode', token)).toEqual([
      { alg: 'RS256', typ: 'JWT' },
      { sub: 'alice', exp: NOW_S + 60 },
      expect.any(String),
    ]);
  });

  it('verifies ECDSA signatures from a JWKS selected by kid', () => {
    const jwk = { ...ec.privateKey.export({ format: 'jwk' }), kid: 'k1' };
    const token = call(
      'io.jwt.encode_sign',
      { alg: 'ES256', kid: 'k1' },
      { iss: 'me' },
      jwk,
    ) as string;
    const { d: _d, ...publicJwk } = jwk;
    const jwks = JSON.stringify({ keys: [publicJwk] });
    expect(call('io.jwt.verify_es256', token, jwks)).toBe(true);
  });

  it('decodes and verifies HMAC tokens against time, issuer and audience constraints', () => {
    const secret = { kty: 'oct', k: Buffer.from('s3cret').toString('base64url') };
    const token = call(
      'io.jwt.encode_sign',
      { alg: 'HS256' },
      { iss: 'me', aud: 'you', nbf: NOW_S - 10, exp: NOW_S + 10 },
      secret,
    ) as string;
    const ctx = context(BigInt(NOW_S) * 1_000_000_000n);
    const [valid, header, payload] = callIn(ctx, 'io.jwt.decode_verify', token, {
      secret: 's3cret',
      iss: 'me',
      aud: 'you',
    }) as unknown[];
    expect(valid).toBe(true);
    expect(header).toEqual({ alg: 'HS256' });
    expect(payload).toMatchObject({ iss: 'me' });
    expect(
      callIn(ctx, 'io.jwt.decode_verify', token, { secret: 's3cret', time: (NOW_S + 11) * 1e9 }),
    ).toEqual([false, {}, {}]);
    expect(callIn(ctx, 'io.jwt.decode_verify', token, { secret: 'wrong', aud: 'you' })).toEqual([
      false,
      {},
      {},
    ]);
    expect(call('io.jwt.verify_hs256', token, 's3cret')).toBe(true);
  });

  it('reports malformed tokens and headers with OPA messages', () => {
    expect(() => call('io.jwt.decode', 'a.b')).toThrow('encoded JWT must have 3 sections, found 2');
    expect(() =>
      call('io.jwt.encode_sign_raw', '{"alg":"dummy"}', '{}', '{"kty":"oct","k":"YQ"}'),
    ).toThrow('unknown JWS algorithm: dummy');
    expect(() =>
      call('io.jwt.encode_sign_raw', '{"alg":"HS256"}', 'x', '{"kty":"oct","k":"YQ"}'),
    ).toThrow('type is JWT but payload is not JSON');
  });
});

describe('strings.render_template', () => {
  it('renders fields, ranges, conditions and missing keys', () => {
    const vars = { name: 'world', xs: ['a', 'b'], n: 2 };
    expect(call('strings.render_template', 'hello {{.name}}', vars)).toBe('hello world');
    expect(
      call(
        'strings.render_template',
        '{{range $i, $x := .xs}}{{if $i}},{{end}}{{$x}}{{end}}',
        vars,
      ),
    ).toBe('a,b');
    expect(
      call(
        'strings.render_template',
        '{{if eq .n 1}}one{{else if eq .n 2}}two{{else}}many{{end}}',
        vars,
      ),
    ).toBe('two');
    expect(call('strings.render_template', '{{.missing}}', vars)).toBe('<undefined>');
    expect(() => call('strings.render_template', '{{if .n}}', vars)).toThrow(
      'strings.render_template: template:',
    );
  });
});

describe('internal.template_string', () => {
  it('joins literal parts with optional single results as OPA lowers template strings', () => {
    expect(
      call('internal.template_string', ['n=', 42, ' ', set('x'), ' ', set({ d: 'e' }), ' ', set()]),
    ).toBe('n=42 x {"d": "e"} <undefined>');
    expect(() => call('internal.template_string', [set('a', 'b')])).toThrow(
      'template-strings must not produce multiple outputs',
    );
    expect(() => call('internal.template_string', [['a']])).toThrow('illegal argument type: array');
  });
});
