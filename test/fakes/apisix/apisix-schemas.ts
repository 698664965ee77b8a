import type { Schema } from './apisix-schema';

/**
 * The schemas of the objects and plugins Nanopod uses, after APISIX 3.x (`apisix/schema_def.lua`
 * and each plugin's `schema`). Objects forbid unknown fields as APISIX does. Plugin schemas in
 * APISIX mostly allow unknown fields; the fake forbids them (`strictPlugins`, on by default) so
 * a typo in a plugin field fails a test instead of being ignored by the gateway.
 */
const id: Schema = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9-_.]+$' };
const labels: Schema = {
  type: 'object',
  patternProperties: { '.*': { type: 'string', minLength: 1, maxLength: 256 } },
};
const timestamps = { create_time: { type: 'integer' }, update_time: { type: 'integer' } } as const;
const healthStatuses: Schema = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'integer', minimum: 200, maximum: 599 },
};

const checks: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    active: {
      type: 'object',
      additionalProperties: false,
      properties: {
        type: { type: 'string', enum: ['http', 'https', 'tcp'], default: 'http' },
        timeout: { type: 'number', default: 1 },
        concurrency: { type: 'integer', default: 10 },
        host: { type: 'string' },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        http_path: { type: 'string', default: '/' },
        https_verify_certificate: { type: 'boolean', default: true },
        req_headers: { type: 'array', minItems: 1, items: { type: 'string' } },
        healthy: {
          type: 'object',
          additionalProperties: false,
          properties: {
            interval: { type: 'integer', minimum: 1, default: 1 },
            http_statuses: healthStatuses,
            successes: { type: 'integer', minimum: 1, maximum: 254, default: 2 },
          },
        },
        unhealthy: {
          type: 'object',
          additionalProperties: false,
          properties: {
            interval: { type: 'integer', minimum: 1, default: 1 },
            http_statuses: healthStatuses,
            http_failures: { type: 'integer', minimum: 1, maximum: 254, default: 5 },
            tcp_failures: { type: 'integer', minimum: 1, maximum: 254, default: 2 },
            timeouts: { type: 'integer', minimum: 1, maximum: 254, default: 3 },
          },
        },
      },
    },
    passive: {
      type: 'object',
      additionalProperties: false,
      properties: {
        type: { type: 'string', enum: ['http', 'https', 'tcp'], default: 'http' },
        healthy: {
          type: 'object',
          additionalProperties: false,
          properties: {
            http_statuses: healthStatuses,
            successes: { type: 'integer', minimum: 0, maximum: 254, default: 5 },
          },
        },
        unhealthy: {
          type: 'object',
          additionalProperties: false,
          properties: {
            http_statuses: healthStatuses,
            http_failures: { type: 'integer', minimum: 0, maximum: 254, default: 5 },
            tcp_failures: { type: 'integer', minimum: 0, maximum: 254, default: 2 },
            timeouts: { type: 'integer', minimum: 0, maximum: 254, default: 7 },
          },
        },
      },
    },
  },
};

export const upstreamSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id,
    name: { type: 'string', minLength: 1, maxLength: 256 },
    desc: { type: 'string', maxLength: 256 },
    type: {
      type: 'string',
      enum: ['roundrobin', 'chash', 'ewma', 'least_conn'],
      default: 'roundrobin',
    },
    nodes: {
      oneOf: [
        { type: 'object', patternProperties: { '.*': { type: 'integer', minimum: 0 } } },
        {
          type: 'array',
          items: {
            type: 'object',
            required: ['host', 'weight'],
            properties: {
              host: { type: 'string', minLength: 1 },
              port: { type: 'integer', minimum: 1, maximum: 65535 },
              weight: { type: 'integer', minimum: 0 },
              priority: { type: 'integer', default: 0 },
              metadata: { type: 'object' },
            },
          },
        },
      ],
    },
    retries: { type: 'integer', minimum: 0 },
    retry_timeout: { type: 'number', minimum: 0 },
    timeout: {
      type: 'object',
      required: ['connect', 'send', 'read'],
      properties: {
        connect: { type: 'number', exclusiveMinimum: 0 },
        send: { type: 'number', exclusiveMinimum: 0 },
        read: { type: 'number', exclusiveMinimum: 0 },
      },
    },
    checks,
    hash_on: {
      type: 'string',
      enum: ['vars', 'header', 'cookie', 'consumer', 'vars_combinations'],
      default: 'vars',
    },
    key: { type: 'string' },
    scheme: {
      type: 'string',
      enum: ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'udp', 'kafka'],
      default: 'http',
    },
    pass_host: { type: 'string', enum: ['pass', 'node', 'rewrite'], default: 'pass' },
    upstream_host: { type: 'string' },
    labels,
    ...timestamps,
  },
  required: ['nodes'],
};

export const routeSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id,
    name: { type: 'string', minLength: 1, maxLength: 256 },
    desc: { type: 'string', maxLength: 256 },
    uri: { type: 'string', minLength: 1, maxLength: 4096 },
    uris: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', minLength: 1, maxLength: 4096 },
    },
    methods: {
      type: 'array',
      uniqueItems: true,
      items: {
        type: 'string',
        enum: [
          'GET',
          'POST',
          'PUT',
          'DELETE',
          'PATCH',
          'HEAD',
          'OPTIONS',
          'CONNECT',
          'TRACE',
          'PURGE',
        ],
      },
    },
    host: { type: 'string' },
    hosts: { type: 'array', minItems: 1, items: { type: 'string' } },
    remote_addrs: { type: 'array', minItems: 1, items: { type: 'string' } },
    vars: { type: 'array' },
    filter_func: { type: 'string' },
    priority: { type: 'integer', default: 0 },
    plugins: { type: 'object' },
    upstream: upstreamSchema,
    upstream_id: id,
    service_id: id,
    plugin_config_id: id,
    labels,
    timeout: upstreamSchema.properties!.timeout,
    status: { type: 'integer', enum: [0, 1], default: 1 },
    enable_websocket: { type: 'boolean' },
    ...timestamps,
  },
  anyOf: [{ required: ['uri'] }, { required: ['uris'] }],
};

export const globalRuleSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['plugins'],
  properties: { id, plugins: { type: 'object' }, ...timestamps },
};

export const consumerSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['username'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[a-zA-Z0-9_\\-]+$' },
    desc: { type: 'string', maxLength: 256 },
    labels,
    group_id: id,
    plugins: { type: 'object' },
    ...timestamps,
  },
};

export const credentialSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id,
    name: { type: 'string', minLength: 1, maxLength: 256 },
    desc: { type: 'string', maxLength: 256 },
    labels,
    plugins: { type: 'object' },
    ...timestamps,
  },
};

const countValue: Schema = {
  oneOf: [{ type: 'integer', exclusiveMinimum: 0 }, { type: 'string' }],
};

/** Plugin schemas; `consumer` variants apply on consumers and credentials. */
export const pluginSchemas: Record<string, { route: Schema; consumer?: Schema; auth?: boolean }> = {
  'forward-auth': {
    route: {
      type: 'object',
      required: ['uri'],
      properties: {
        uri: { type: 'string' },
        allow_degradation: { type: 'boolean', default: false },
        status_on_error: { type: 'integer', minimum: 200, maximum: 599, default: 403 },
        ssl_verify: { type: 'boolean', default: true },
        request_method: { type: 'string', enum: ['GET', 'POST'], default: 'GET' },
        request_headers: { type: 'array', items: { type: 'string' }, default: [] },
        extra_headers: {
          type: 'object',
          minProperties: 1,
          patternProperties: { '^[^:]+$': { type: 'string' } },
        },
        upstream_headers: { type: 'array', items: { type: 'string' }, default: [] },
        client_headers: { type: 'array', items: { type: 'string' }, default: [] },
        consumer_header: { type: 'string', minLength: 1 },
        timeout: { type: 'integer', minimum: 1, maximum: 60000, default: 3000 },
        keepalive: { type: 'boolean', default: true },
        keepalive_timeout: { type: 'integer', minimum: 1000, default: 60000 },
        keepalive_pool: { type: 'integer', minimum: 1, default: 5 },
      },
    },
  },
  'limit-count': {
    route: {
      type: 'object',
      properties: {
        count: countValue,
        time_window: countValue,
        window_type: { type: 'string', enum: ['fixed', 'sliding'], default: 'fixed' },
        rules: {
          type: 'array',
          items: {
            type: 'object',
            required: ['count', 'time_window', 'key'],
            properties: {
              count: countValue,
              time_window: countValue,
              key: { type: 'string' },
              header_prefix: { type: 'string' },
            },
          },
        },
        group: { type: 'string' },
        key: { type: 'string', default: 'remote_addr' },
        key_type: { type: 'string', enum: ['var', 'var_combination', 'constant'], default: 'var' },
        rejected_code: { type: 'integer', minimum: 200, maximum: 599, default: 503 },
        rejected_msg: { type: 'string', minLength: 1 },
        policy: { type: 'string', enum: ['local', 'redis', 'redis-cluster'], default: 'local' },
        allow_degradation: { type: 'boolean', default: false },
        show_limit_quota_header: { type: 'boolean', default: true },
      },
      oneOf: [{ required: ['count', 'time_window'] }, { required: ['rules'] }],
    },
  },
  prometheus: {
    route: { type: 'object', properties: { prefer_name: { type: 'boolean', default: false } } },
  },
  'key-auth': {
    auth: true,
    route: {
      type: 'object',
      properties: {
        header: { type: 'string', default: 'apikey' },
        query: { type: 'string', default: 'apikey' },
        hide_credentials: { type: 'boolean', default: false },
        anonymous_consumer: { type: 'string', minLength: 1 },
        realm: { type: 'string', default: 'key' },
      },
    },
    consumer: { type: 'object', required: ['key'], properties: { key: { type: 'string' } } },
  },
  'proxy-rewrite': {
    route: {
      type: 'object',
      minProperties: 1,
      properties: {
        uri: { type: 'string', minLength: 1, maxLength: 4096, pattern: '^\\/.*' },
        method: {
          type: 'string',
          enum: [
            'GET',
            'POST',
            'PUT',
            'HEAD',
            'DELETE',
            'OPTIONS',
            'MKCOL',
            'COPY',
            'MOVE',
            'PROPFIND',
            'PATCH',
          ],
        },
        regex_uri: { type: 'array', minItems: 2, items: { type: 'string' } },
        host: { type: 'string', pattern: '^[0-9a-zA-Z-.]+(:\\d{1,5})?$' },
        headers: { type: 'object' },
        use_real_request_uri_unsafe: { type: 'boolean', default: false },
      },
    },
  },
};
