import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { call, callIn, context } from './call';

function openssl(): string | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return 'openssl';
  } catch {
    return undefined;
  }
}

describe('crypto.x509 built-ins', () => {
  const tool = openssl();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'x509-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function selfSigned(): { cert: string; key: string; csr: string } {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    const csr = path.join(dir, 'req.pem');
    const subj = '/C=US/O=Nanopod/CN=policy.example';
    const san = 'subjectAltName=DNS:policy.example,URI:spiffe://example/opa';
    execFileSync(
      tool!,
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        subj,
        '-addext',
        san,
      ],
      { stdio: 'ignore' },
    );
    execFileSync(tool!, ['req', '-new', '-key', key, '-out', csr, '-subj', subj], {
      stdio: 'ignore',
    });
    return {
      cert: fs.readFileSync(cert, 'utf8'),
      key: fs.readFileSync(key, 'utf8'),
      csr: fs.readFileSync(csr, 'utf8'),
    };
  }

  it('parses PEM and base64 certificates, requests and keys made by openssl', () => {
    if (!tool) {
      console.log('skipped: openssl is not installed');
      return;
    }
    const { cert, key, csr } = selfSigned();
    const [parsed] = call('crypto.x509.parse_certificates', cert) as Array<Record<string, unknown>>;
    expect(parsed).toMatchObject({
      Subject: { CommonName: 'policy.example', Organization: ['Nanopod'] },
      DNSNames: ['policy.example'],
      URIStrings: ['spiffe://example/opa'],
      IsCA: true,
    });
    expect(call('crypto.x509.parse_certificates', Buffer.from(cert).toString('base64'))).toEqual([
      parsed,
    ]);
    expect(call('crypto.x509.parse_certificate_request', csr)).toMatchObject({
      Subject: { CommonName: 'policy.example' },
    });
    expect(call('crypto.x509.parse_rsa_private_key', key)).toMatchObject({ kty: 'RSA', e: 'AQAB' });
    expect(call('crypto.parse_private_keys', key)).toHaveLength(1);
    expect(
      (call('crypto.x509.parse_keypair', cert, key) as { Certificate: string[] }).Certificate,
    ).toHaveLength(1);
  });

  it('rejects malformed input with Go messages', () => {
    expect(() => call('crypto.x509.parse_certificates', 'foobar')).toThrow('illegal base64');
    expect(() =>
      call('crypto.x509.parse_certificates', Buffer.from('badstring').toString('base64')),
    ).toThrow('x509: malformed certificate');
    expect(call('crypto.parse_private_keys', 'nope')).toEqual([]);
  });

  it('verifies a chain only when every certificate is issued by the next and valid now', () => {
    if (!tool) return;
    const { cert } = selfSigned();
    expect(
      callIn(
        context(BigInt(Date.now()) * 1_000_000n),
        'crypto.x509.parse_and_verify_certificates',
        cert + cert,
      ),
    ).toMatchObject([true, expect.any(Array)]);
    expect(callIn(context(0n), 'crypto.x509.parse_and_verify_certificates', cert + cert)).toEqual([
      false,
      [],
    ]);
  });
});

describe('providers.aws.sign_req', () => {
  const config = {
    aws_access_key: 'AK',
    aws_secret_access_key: 'SK',
    aws_service: 's3',
    aws_region: 'eu-west-1',
  };

  it('adds SigV4 headers over the request headers and body hash', () => {
    const body = { a: [1, 2] };
    const out = call(
      'providers.aws.sign_req',
      { method: 'get', url: 'https://bucket.example.com/key?x=1', headers: { foo: 'bar' }, body },
      config,
      1451311705000000000,
    ) as {
      headers: Record<string, string>;
    };
    expect(out.headers['x-amz-date']).toBe('20151228T140825Z');
    expect(out.headers.host).toBe('bucket.example.com');
    expect(out.headers['x-amz-content-sha256']).toBe(
      createHash('sha256').update('{"a":[1,2]}').digest('hex'),
    );
    expect(out.headers.Authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AK\/20151228\/eu-west-1\/s3\/aws4_request,SignedHeaders=foo;host;x-amz-content-sha256;x-amz-date,Signature=[0-9a-f]{64}$/,
    );
    const other = call(
      'providers.aws.sign_req',
      { method: 'get', url: 'https://bucket.example.com/key?x=1', headers: { foo: 'bar' }, body },
      { ...config, aws_secret_access_key: 'other' },
      1451311705000000000,
    ) as typeof out;
    expect(other.headers.Authorization).not.toBe(out.headers.Authorization);
  });

  it('names missing and invalid parameters', () => {
    expect(() => call('providers.aws.sign_req', {}, config, 0)).toThrow(
      'operand 1 missing required request parameters(s): {"method", "url"}',
    );
    expect(() =>
      call('providers.aws.sign_req', { method: 'get', url: 'x' }, { example: 1 }, 0),
    ).toThrow(
      'operand 2 missing required AWS config parameters(s): {"aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"}',
    );
  });
});

describe('JSON Schema built-ins', () => {
  const schema = {
    properties: {
      id: { type: 'integer' },
      tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
    },
    required: ['id'],
    additionalProperties: false,
  };

  it('matches documents and reports gojsonschema errors', () => {
    expect(call('json.match_schema', { id: 5 }, schema)).toEqual([true, []]);
    expect(call('json.match_schema', '{"id": "x"}', JSON.stringify(schema))).toEqual([
      false,
      [
        {
          error: 'id: Invalid type. Expected: integer, given: string',
          type: 'invalid_type',
          field: 'id',
          desc: 'Invalid type. Expected: integer, given: string',
        },
      ],
    ]);
    const [, errors] = call('json.match_schema', { tags: ['a', 'b', 3], extra: true }, schema) as [
      boolean,
      Array<{ type: string }>,
    ];
    expect(errors.map((e) => e.type).sort()).toEqual([
      'additional_property_not_allowed',
      'array_max_items',
      'invalid_type',
      'required',
    ]);
  });

  it('verifies schemas', () => {
    expect(call('json.verify_schema', { type: 'boolean' })).toEqual([true, null]);
    expect(call('json.verify_schema', '{"type": "bogus"}')).toEqual([
      false,
      'jsonschema: has a primitive type that is NOT VALID -- given: /bogus/ Expected valid values are:[array boolean integer number null object string]',
    ]);
  });
});
