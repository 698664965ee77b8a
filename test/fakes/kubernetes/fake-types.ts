/** The Pod fields the fake reads; the rest is kept as sent. */
export interface FakePod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    [key: string]: unknown;
  };
  spec: {
    nodeName?: string;
    nodeSelector?: Record<string, string>;
    containers: FakeContainer[];
    [key: string]: unknown;
  };
  status: {
    phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    [key: string]: unknown;
  };
}

export interface FakeContainer {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  resources?: {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  };
  [key: string]: unknown;
}

/** A node the fake scheduler may bind Pods to. */
export interface FakeNode {
  name: string;
  labels: Record<string, string>;
  /** Quantities as a Node's `status.allocatable`: `{cpu: '8', memory: '64Gi', 'nvidia.com/gpu': '4'}`. */
  allocatable: Record<string, string>;
}
