import { compilePolicy, fromJSON, RegoObject, RegoSet, type Value } from '@nanopod/rego';

/**
 * The `gateway.decision` scenario: an API gateway's allow decision over 10,000 rules' worth
 * of data (an allow-list object of 10,000 keys and a set of 10,000 routes), loaded once as
 * base data, as the platform would hold it; evaluated per request with a small input.
 */
export const GATEWAY_REF = 'data.bench.gateway.decision';

const POLICY = `package bench.gateway

key := data.gateway.keys[input.key_id]

default allow := false

allow if {
	key.active
	concat(" ", [input.method, input.path]) in data.gateway.routes
	input.scope in key.scopes
}

default tenant := null

tenant := key.tenant

decision := {"allow": allow, "tenant": tenant}
`;

export interface GatewayKey {
  tenant: string;
  active: boolean;
  scopes: string[];
}

export interface GatewayData {
  keys: Record<string, GatewayKey>;
  routes: string[];
}

export type GatewayInput = { key_id: string; method: string; path: string; scope: string };

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];

export function gatewayData(n = 10_000): GatewayData {
  const keys: Record<string, GatewayKey> = {};
  for (let i = 0; i < n; i++)
    keys[`key-${i}`] = {
      tenant: `tenant-${i % 500}`,
      active: i % 17 !== 0,
      scopes: i % 3 === 0 ? ['read'] : ['read', 'write'],
    };
  const routes: string[] = [];
  for (let i = 0; i < n; i++) routes.push(`${METHODS[i % 4]} /v1/resources/${i >> 2}`);
  return { keys, routes };
}

export function gatewayInputs(n: number, size = 10_000): GatewayInput[] {
  const out: GatewayInput[] = [];
  for (let i = 0; i < n; i++) {
    const k = (i * 7919) % (size + size / 10); // about 9% unknown keys
    out.push({
      key_id: `key-${k}`,
      method: METHODS[(i * 31) % 4],
      path: `/v1/resources/${(i * 104729) % (size / 4 + size / 40)}`,
      scope: i % 5 === 0 ? 'write' : 'read',
    });
  }
  return out;
}

/** The engine's decision function, data converted to engine values once. */
export function engineGateway(data: GatewayData): (input: GatewayInput) => unknown {
  const policy = compilePolicy([{ path: 'gateway-bench.rego', source: POLICY }]);
  // Routes are a set, as the policy's `in` expects of them (JSON has no sets).
  const gateway = RegoObject.fromEntries([
    ['keys', fromJSON(data.keys)],
    ['routes', RegoSet.of(data.routes)],
  ]);
  const base: Value = RegoObject.fromEntries([['gateway', gateway]]);
  return (input) => policy.evaluate(GATEWAY_REF, { input, data: base });
}

/** The same decision written by hand. */
export function handwrittenGateway(data: GatewayData): (input: GatewayInput) => unknown {
  const routes = new Set(data.routes);
  return (input) => {
    const key = Object.prototype.hasOwnProperty.call(data.keys, input.key_id)
      ? data.keys[input.key_id]
      : undefined;
    const allow =
      key !== undefined &&
      key.active &&
      routes.has(`${input.method} ${input.path}`) &&
      key.scopes.includes(input.scope);
    return { allow, tenant: key ? key.tenant : null };
  };
}
