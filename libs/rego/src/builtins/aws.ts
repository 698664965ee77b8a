/** providers.aws.sign_req: AWS Signature V4 for an http.send request object (OPA v1/topdown/providers.go). */
import { isInteger, isNum, toNumber } from '../number';
import { createHash, createHmac } from 'node:crypto';
import { RegoObject, RegoSet, Value } from '../value';
import { BuiltinTypeError, type BuiltinRegistry } from './builtin.types';
import { fail, obj, typeError } from './args';
import { regoString } from './format';
import { toJSONText } from './json-text';
import { formatWall, toWall } from './go-time';

const NAME = 'providers.aws.sign_req';
const REQUIRED_CONFIG = ['aws_access_key', 'aws_region', 'aws_secret_access_key', 'aws_service'];
const REQUEST_KEYS = new Set([
  'method',
  'url',
  'body',
  'raw_body',
  'headers',
  'enable_redirect',
  'force_json_decode',
  'force_yaml_decode',
  'tls_use_system_certs',
  'tls_ca_cert',
  'tls_ca_cert_file',
  'tls_ca_cert_env_variable',
  'tls_client_cert',
  'tls_client_cert_file',
  'tls_client_cert_env_variable',
  'tls_client_key',
  'tls_client_key_file',
  'tls_client_key_env_variable',
  'tls_insecure_skip_verify',
  'tls_server_name',
  'timeout',
  'cache',
  'force_cache',
  'force_cache_duration_seconds',
  'raise_error',
  'caching_mode',
  'max_retry_attempts',
  'cache_ignored_headers',
]);
const IGNORED_HEADERS = new Set(['authorization', 'user-agent', 'x-amzn-trace-id']);

function setText(keys: string[]): string {
  return regoString(RegoSet.of(keys));
}

function operandError(pos: number, message: string): BuiltinTypeError {
  return new BuiltinTypeError(NAME, `operand ${pos} ${message}`);
}

const hmac = (key: Buffer | string, data: string) =>
  createHmac('sha256', key).update(data, 'utf8').digest();
const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: NAME,
    args: ['object', 'object', 'number'],
    result: 'object',
    impl: (a) => {
      const req = obj(NAME, a, 0);
      const config = obj(NAME, a, 1);
      const missingConfig = REQUIRED_CONFIG.filter((k) => !config.has(k));
      if (missingConfig.length > 0)
        throw operandError(
          2,
          `missing required AWS config parameters(s): ${setText(missingConfig)}`,
        );
      const badConfig = REQUIRED_CONFIG.filter((k) => typeof config.get(k) !== 'string');
      if (badConfig.length > 0)
        throw operandError(
          2,
          `invalid values for required AWS config parameters(s): ${setText(badConfig)}`,
        );
      const cfg = (k: string) => {
        const v = config.get(k);
        return typeof v === 'string' ? v : '';
      };
      const tsv = a[2];
      if (!isNum(tsv)) throw typeError(NAME, 3, 'number', tsv);
      const ts = toNumber(tsv);
      if (!isInteger(tsv))
        throw operandError(3, 'could not convert time_ns value into a unix timestamp');
      const unknown = req.keys().filter((k) => typeof k !== 'string' || !REQUEST_KEYS.has(k));
      if (unknown.length > 0)
        throw fail(NAME, `invalid request parameters(s): ${regoString(RegoSet.of(unknown))}`);
      const missingReq = ['method', 'url'].filter((k) => !req.has(k));
      if (missingReq.length > 0)
        throw operandError(1, `missing required request parameters(s): ${setText(missingReq)}`);
      const url = req.get('url');
      const method = req.get('method');
      const headersV = req.get('headers') ?? new RegoObject();
      if (!(headersV instanceof RegoObject)) throw operandError(0, 'must be object');
      const invalid = [
        ...(typeof url !== 'string' ? ['url'] : []),
        ...(typeof method !== 'string' ? ['method'] : []),
      ];
      if (invalid.length > 0)
        throw operandError(
          1,
          `invalid values for required request parameters(s): ${setText(invalid)}`,
        );
      const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/.exec(
        url as string,
      );
      const host = m ? m[2] : '';
      const path = m ? m[3] : '';
      const query = m ? (m[4] ?? '') : '';
      const rawBody = req.get('raw_body');
      const bodyV = req.get('body');
      const body =
        rawBody !== undefined
          ? typeof rawBody === 'string'
            ? rawBody
            : ''
          : bodyV !== undefined
            ? toJSONText(bodyV, '', '')
            : '';
      const unsigned = config.get('disable_payload_signing');
      if (unsigned !== undefined && typeof unsigned !== 'boolean') {
        throw operandError(2, "invalid value for 'disable_payload_signing' in AWS config");
      }
      const service = cfg('aws_service');
      const region = cfg('aws_region');
      const contentHash =
        unsigned === true ? 'UNSIGNED-PAYLOAD' : sha256Hex(Buffer.from(body, 'utf8'));
      const wall = toWall(BigInt(ts), 'UTC');
      const date = formatWall(wall, '20060102');
      const stamp = formatWall(wall, '20060102T150405Z');
      const awsHeaders: Record<string, string> = { host, 'x-amz-date': stamp };
      if (service === 's3' || service === 'glacier' || unsigned === true)
        awsHeaders['x-amz-content-sha256'] = contentHash;
      if (cfg('aws_session_token') !== '')
        awsHeaders['x-amz-security-token'] = cfg('aws_session_token');
      const original: Array<[string, string]> = headersV
        .entries()
        .map(([k, v]) => [typeof k === 'string' ? k : '', typeof v === 'string' ? v : '']);
      const toSign = new Map<string, string>(Object.entries(awsHeaders));
      for (const [k, v] of original)
        if (!IGNORED_HEADERS.has(k.toLowerCase())) toSign.set(k.toLowerCase(), v);
      const keys = [...toSign.keys()].sort();
      const signedHeaders = keys.join(';');
      const canonical = [
        method,
        path,
        query,
        ...keys.map((k) => `${k}:${toSign.get(k)}`),
        '',
        signedHeaders,
        contentHash,
      ].join('\n');
      const scope = `${date}/${region}/${service}/aws4_request`;
      const toSignText = `AWS4-HMAC-SHA256\n${stamp}\n${scope}\n${sha256Hex(canonical)}`;
      let key = hmac('AWS4' + cfg('aws_secret_access_key'), date);
      for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
      const signature = hmac(key, toSignText).toString('hex');
      const headers = new RegoObject();
      for (const [k, v] of original) headers.set(k, v);
      headers.set(
        'Authorization',
        `AWS4-HMAC-SHA256 Credential=${cfg('aws_access_key')}/${scope},SignedHeaders=${signedHeaders},Signature=${signature}`,
      );
      for (const [k, v] of Object.entries(awsHeaders)) headers.set(k, v);
      const out = req.clone();
      out.set('headers', headers as Value);
      return out;
    },
  });
}
