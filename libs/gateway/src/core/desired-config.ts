import type { GatewayService } from '../ports/gateway-service-source';
import {
  ApisixRoute,
  ApisixUpstream,
  GatewayConfig,
  ID_PREFIX,
  MANAGED_LABEL,
  PluginMap,
} from './apisix-config';
import { headerVar, RateTier, tierHeader } from './rate-tiers';

export interface DesiredConfigInput {
  /** Platform replicas as `host:port`. */
  platformNodes: string[];
  /** The forward-auth endpoint APISIX calls. */
  authUrl: string;
  /** The tiers of gateway.rego, every one (limit-count has one rule per tier). */
  tiers: RateTier[];
  /** The tier of callers without credentials (its limit applies per client address). */
  anonymousTier: string;
  services: GatewayService[];
}

/** Identity headers the forward-auth answer sets; APISIX copies them to the upstream request. */
export const IDENTITY_HEADERS = [
  'X-User-Id',
  'X-User-Login',
  'X-User-Roles',
  'X-Credential-Kind',
  'X-Api-Key-Id',
  'X-Nanopod-Tier',
] as const;

/** Client headers the forward-auth call receives: the three ways to present a credential. */
export const CREDENTIAL_HEADERS = ['Authorization', 'X-Api-Key', 'Cookie'] as const;

export const PLATFORM_UPSTREAM_ID = `${ID_PREFIX}platform`;
const WINDOW_S = 60;

function splitHostPort(node: string): { host: string; port: number } {
  const i = node.lastIndexOf(':');
  return { host: node.slice(0, i), port: Number(node.slice(i + 1)) };
}

function labels(extra: Record<string, string> = {}): Record<string, string> {
  return { ...MANAGED_LABEL, ...extra };
}

/** Active checks on the readiness path, passive checks on 5xx: a failing replica is skipped. */
function healthChecks(path: string): Record<string, unknown> {
  return {
    active: {
      type: 'http',
      http_path: path,
      timeout: 2,
      healthy: { interval: 2, successes: 1 },
      unhealthy: { interval: 1, http_failures: 2, tcp_failures: 2, timeouts: 2 },
    },
    passive: {
      healthy: { successes: 3 },
      unhealthy: { http_failures: 3, tcp_failures: 2, timeouts: 3, http_statuses: [500, 502, 503] },
    },
  };
}

/** forward-auth + one limit-count rule per tier: the plugins of every authenticated route. */
export function authenticatedPlugins(input: DesiredConfigInput): PluginMap {
  return {
    'forward-auth': {
      uri: input.authUrl,
      request_method: 'GET',
      request_headers: [...CREDENTIAL_HEADERS],
      upstream_headers: [...IDENTITY_HEADERS, ...input.tiers.map((t) => tierHeader(t.tier))],
      client_headers: ['WWW-Authenticate', 'Retry-After'],
      timeout: 3000,
    },
    'limit-count': {
      rules: input.tiers.map((t) => ({
        count: t.requestsPerMinute,
        time_window: WINDOW_S,
        key: headerVar(tierHeader(t.tier)),
      })),
      rejected_code: 429,
      rejected_msg: 'rate limit of your tier exceeded',
      policy: 'local',
      show_limit_quota_header: true,
    },
  };
}

function anonymousLimit(input: DesiredConfigInput): PluginMap {
  const anonymous = input.tiers.find((t) => t.tier === input.anonymousTier);
  if (!anonymous) return {};
  return {
    'limit-count': {
      count: anonymous.requestsPerMinute,
      time_window: WINDOW_S,
      key_type: 'var',
      key: 'remote_addr',
      rejected_code: 429,
      rejected_msg: 'rate limit exceeded',
      policy: 'local',
    },
  };
}

/** An upstream/route id for a service: the prefix plus its id (APISIX ids are at most 64). */
export function serviceObjectId(serviceId: string): string {
  return `${ID_PREFIX}svc-${serviceId}`;
}

/**
 * What APISIX should hold, from the platform's state alone (pure: the reconciler, the export
 * and the tests share it). Ids are stable so that a repeated sync is a no-op.
 */
export function buildDesiredConfig(input: DesiredConfigInput): GatewayConfig {
  const platform: ApisixUpstream = {
    id: PLATFORM_UPSTREAM_ID,
    name: 'nanopod platform',
    type: 'roundrobin',
    nodes: input.platformNodes.map((n) => ({ ...splitHostPort(n), weight: 1 })),
    checks: healthChecks('/readyz'),
    labels: labels(),
  };
  const upstreams: ApisixUpstream[] = [platform];
  const routes: ApisixRoute[] = [
    {
      id: `${ID_PREFIX}api`,
      name: 'nanopod api',
      uri: '/v1/*',
      priority: 10,
      upstream_id: PLATFORM_UPSTREAM_ID,
      plugins: authenticatedPlugins(input),
      labels: labels(),
    },
    {
      id: `${ID_PREFIX}auth`,
      name: 'nanopod sign-in',
      uris: ['/auth/*', '/realms/*'],
      priority: 10,
      upstream_id: PLATFORM_UPSTREAM_ID,
      plugins: anonymousLimit(input),
      labels: labels(),
    },
    {
      // The dashboard, /docs and health; WebSocket for the node agents' channel.
      id: `${ID_PREFIX}dashboard`,
      name: 'nanopod dashboard',
      uri: '/*',
      priority: 0,
      upstream_id: PLATFORM_UPSTREAM_ID,
      plugins: {},
      enable_websocket: true,
      labels: labels(),
    },
  ];
  for (const svc of [...input.services].sort((a, b) => a.id.localeCompare(b.id))) {
    const id = serviceObjectId(svc.id);
    upstreams.push({
      id,
      name: `service ${svc.name}`,
      type: 'roundrobin',
      nodes: svc.nodes.map((n) => ({ host: n.host, port: n.port, weight: n.weight ?? 1 })),
      checks: healthChecks(svc.readinessPath ?? '/'),
      labels: labels({ 'nanopod-service': svc.id }),
    });
    routes.push({
      id,
      name: `service ${svc.name}`,
      uri: `/services/${svc.name}/*`,
      priority: 20,
      upstream_id: id,
      plugins: {
        ...authenticatedPlugins(input),
        'proxy-rewrite': { regex_uri: [`^/services/${svc.name}/(.*)`, '/$1'] },
      },
      enable_websocket: true,
      labels: labels({ 'nanopod-service': svc.id }),
    });
  }
  return {
    upstreams,
    routes,
    global_rules: [
      { id: `${ID_PREFIX}prometheus`, plugins: { prometheus: { prefer_name: true } } },
    ],
  };
}
