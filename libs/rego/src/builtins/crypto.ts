/** Hash and HMAC built-ins (OPA v1/topdown/crypto.go), via node:crypto. */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { BuiltinRegistry } from './builtin.types';
import { str } from './args';

export function register(registry: BuiltinRegistry): void {
  for (const alg of ['md5', 'sha1', 'sha256']) {
    const name = `crypto.${alg}`;
    registry.register({
      name,
      args: ['string'],
      result: 'string',
      impl: (a) =>
        createHash(alg)
          .update(str(name, a, 0), 'utf8')
          .digest('hex'),
    });
  }
  for (const alg of ['md5', 'sha1', 'sha256', 'sha512']) {
    const name = `crypto.hmac.${alg}`;
    registry.register({
      name,
      args: ['string', 'string'],
      result: 'string',
      impl: (a) =>
        createHmac(alg, Buffer.from(str(name, a, 1), 'utf8'))
          .update(str(name, a, 0), 'utf8')
          .digest('hex'),
    });
  }
  registry.register({
    name: 'crypto.hmac.equal',
    args: ['string', 'string'],
    result: 'boolean',
    impl: (a) => {
      const x = Buffer.from(str('crypto.hmac.equal', a, 0), 'utf8');
      const y = Buffer.from(str('crypto.hmac.equal', a, 1), 'utf8');
      return x.length === y.length && timingSafeEqual(x, y);
    },
  });
}
