/**
 * The APISIX objects the platform owns, in the Admin API v3 field names (the same objects,
 * with `id`, make the standalone `apisix.yaml`). Only the fields Nanopod sets are typed.
 */
export type PluginMap = Record<string, Record<string, unknown>>;

export interface ApisixUpstream {
  id: string;
  name: string;
  desc?: string;
  type: 'roundrobin' | 'chash' | 'ewma' | 'least_conn';
  nodes: Array<{ host: string; port: number; weight: number }>;
  scheme?: 'http' | 'https';
  pass_host?: 'pass' | 'node' | 'rewrite';
  retries?: number;
  timeout?: { connect: number; send: number; read: number };
  checks?: Record<string, unknown>;
  labels: Record<string, string>;
}

export interface ApisixRoute {
  id: string;
  name: string;
  desc?: string;
  uri?: string;
  uris?: string[];
  methods?: string[];
  priority?: number;
  upstream_id: string;
  plugins: PluginMap;
  labels: Record<string, string>;
  enable_websocket?: boolean;
}

export interface ApisixGlobalRule {
  id: string;
  plugins: PluginMap;
}

/** Everything Nanopod keeps in APISIX; the reconciler makes APISIX hold exactly this. */
export interface GatewayConfig {
  upstreams: ApisixUpstream[];
  routes: ApisixRoute[];
  global_rules: ApisixGlobalRule[];
}

/** The resources the reconciler manages, in the order they are created (routes need upstreams). */
export const MANAGED_RESOURCES = ['upstreams', 'routes', 'global_rules'] as const;
export type ManagedResource = (typeof MANAGED_RESOURCES)[number];

/**
 * Marks an object as the platform's: the reconciler deletes only objects carrying it, so
 * routes an operator adds by hand survive. Global rules have no labels in APISIX; ours are
 * recognised by their id prefix.
 */
export const MANAGED_LABEL = { 'managed-by': 'nanopod' } as const;
export const ID_PREFIX = 'nanopod-';
