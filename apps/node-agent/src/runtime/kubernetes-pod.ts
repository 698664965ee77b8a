import { createHash } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import type { SandboxRecord } from './runtime-driver';

/** The label every sandbox Pod carries, its value the sandbox id (ids are valid label values). */
export const SANDBOX_LABEL = 'nanopod.dev/sandbox';
export const CONTAINER_NAME = 'sandbox';
/** Where a sandbox's commands start; relative exec cwds resolve against it (an emptyDir). */
export const WORK_DIR = '/work';

export interface PodShape {
  namespace: string;
  image: string;
  node_selector: Record<string, string>;
  /** Node label that names a node's GPU model; the spec's gpu_type must equal its value. */
  gpu_type_label: string;
  /** Unprivileged uid (and gid) the container runs as. */
  run_as_uid: number;
}

/**
 * A DNS-1123 name from the sandbox id: lower case, `[a-z0-9-]`, with a hash of the id so two
 * ids that differ only in what is replaced (`sbx_a`, `sbx-a`) get different Pods.
 */
export function podNameOf(sandboxId: string): string {
  const slug = sandboxId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const hash = createHash('sha256').update(sandboxId).digest('hex').slice(0, 8);
  return `nanopod-${slug}-${hash}`;
}

/** A node label value from a free-text GPU type (`rtx 4090` -> `rtx-4090`). */
export function gpuTypeLabelValue(gpuType: string): string {
  return gpuType
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[-_.]+|[-_.]+$/g, '')
    .slice(0, 63);
}

/**
 * The Pod of a sandbox. Requests equal limits (Guaranteed QoS: the node reserves what the
 * platform sold, and nvidia.com/gpu must be equal anyway); it passes Pod Security
 * "restricted" (non-root uid, no privilege escalation, no capabilities, RuntimeDefault
 * seccomp) and gets no service account token: sandbox code must not reach the cluster API.
 * The main process only waits; commands arrive through exec.
 */
export function sandboxPod(record: SandboxRecord, shape: PodShape): V1Pod {
  const spec = record.spec;
  const resources: Record<string, string> = {
    cpu: `${Math.round(spec.cpu * 1000)}m`,
    memory: `${spec.memory_mb}Mi`,
  };
  if (spec.gpus > 0) resources['nvidia.com/gpu'] = String(spec.gpus);
  const nodeSelector = { ...shape.node_selector };
  if (spec.gpu_type) nodeSelector[shape.gpu_type_label] = gpuTypeLabelValue(spec.gpu_type);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podNameOf(spec.sandbox_id),
      namespace: shape.namespace,
      labels: {
        [SANDBOX_LABEL]: spec.sandbox_id,
        'app.kubernetes.io/managed-by': 'nanopod-agent',
      },
    },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 0,
      ...(Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {}),
      securityContext: {
        runAsNonRoot: true,
        runAsUser: shape.run_as_uid,
        runAsGroup: shape.run_as_uid,
        fsGroup: shape.run_as_uid,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      volumes: [{ name: 'work', emptyDir: { sizeLimit: `${spec.limits.disk_mb}Mi` } }],
      containers: [
        {
          name: CONTAINER_NAME,
          image: shape.image,
          // Exits on SIGTERM at once; `sleep` in the background so the trap runs.
          command: [
            '/bin/sh',
            '-c',
            'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done',
          ],
          workingDir: WORK_DIR,
          env: Object.entries(spec.env).map(([name, value]) => ({ name, value })),
          resources: { requests: resources, limits: resources },
          securityContext: {
            allowPrivilegeEscalation: false,
            privileged: false,
            capabilities: { drop: ['ALL'] },
            runAsNonRoot: true,
            runAsUser: shape.run_as_uid,
          },
          volumeMounts: [{ name: 'work', mountPath: WORK_DIR }],
        },
      ],
    },
  };
}

/** What a Pod's status says about a start: still waiting, running, or a reason it will not run. */
export type PodVerdict =
  | { kind: 'waiting' }
  | { kind: 'running' }
  | { kind: 'unschedulable'; message: string }
  | { kind: 'failed'; message: string };

/** Container waiting reasons that do not go away by waiting (a bad image, a bad spec). */
const FATAL_WAITING = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

export function podVerdict(pod: V1Pod): PodVerdict {
  const status = pod.status ?? {};
  if (pod.metadata?.deletionTimestamp)
    return { kind: 'failed', message: 'the Pod is being deleted' };
  if (status.phase === 'Running') return { kind: 'running' };
  if (status.phase === 'Failed' || status.phase === 'Succeeded') {
    const terminated = status.containerStatuses?.[0]?.state?.terminated;
    return {
      kind: 'failed',
      message: `the sandbox container exited (${terminated?.reason ?? status.phase}, code ${terminated?.exitCode ?? 'unknown'})`,
    };
  }
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable')
    return { kind: 'unschedulable', message: scheduled.message ?? 'no node fits the Pod' };
  const waiting = status.containerStatuses?.[0]?.state?.waiting;
  if (waiting?.reason && FATAL_WAITING.has(waiting.reason))
    return { kind: 'failed', message: `${waiting.reason}: ${waiting.message ?? ''}`.trim() };
  return { kind: 'waiting' };
}
