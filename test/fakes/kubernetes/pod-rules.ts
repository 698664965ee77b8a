import type { FakeContainer, FakePod } from './fake-types';

export interface StatusCause {
  reason: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported';
  message: string;
  field: string;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * What the API server's Pod validation (pkg/apis/core/validation) refuses with 422 Invalid,
 * for the fields a client of this fake sets: names, labels, containers, restartPolicy and
 * resources (requests <= limits; an extended resource such as nvidia.com/gpu needs a limit
 * and, when requested, a request equal to it).
 */
export function validatePod(pod: Partial<FakePod>): StatusCause[] {
  const causes: StatusCause[] = [];
  const required = (field: string) =>
    causes.push({ reason: 'FieldValueRequired', message: 'Required value', field });
  const invalid = (field: string, value: unknown, why: string) =>
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(value)}: ${why}`,
      field,
    });
  const name = pod.metadata?.name;
  if (!name) required('metadata.name');
  else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name))
    invalid(
      'metadata.name',
      name,
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'",
    );
  for (const [k, v] of Object.entries(pod.metadata?.labels ?? {})) {
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v))
      invalid(
        `metadata.labels`,
        v,
        `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.' (key ${k})`,
      );
  }
  const spec = pod.spec;
  if (!spec?.containers || spec.containers.length === 0) {
    required('spec.containers');
    return causes;
  }
  const policy = spec.restartPolicy;
  if (policy !== undefined && !['Always', 'OnFailure', 'Never'].includes(policy as string))
    causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: "${String(policy)}": supported values: "Always", "OnFailure", "Never"`,
      field: 'spec.restartPolicy',
    });
  spec.containers.forEach((c: FakeContainer, i) => {
    const at = `spec.containers[${i}]`;
    if (!c.name) required(`${at}.name`);
    else if (!DNS1123_LABEL.test(c.name) || c.name.length > 63)
      invalid(
        `${at}.name`,
        c.name,
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'",
      );
    if (!c.image) required(`${at}.image`);
    for (const [j, e] of (c.env ?? []).entries()) {
      if (!e.name) required(`${at}.env[${j}].name`);
    }
    const requests = c.resources?.requests ?? {};
    const limits = c.resources?.limits ?? {};
    for (const [resource, value] of Object.entries(requests)) {
      const limit = limits[resource];
      if (resource.includes('/')) {
        if (limit === undefined)
          invalid(
            `${at}.resources.limits`,
            resource,
            'Limit must be set for non overcommitable resources',
          );
        else if (value !== limit)
          invalid(
            `${at}.resources.requests[${resource}]`,
            value,
            'must be equal to ' + resource + ' limit of ' + limit,
          );
        continue;
      }
      const parse = resource === 'cpu' ? parseCpu : parseMemory;
      if (limit !== undefined && parse(value) > parse(limit))
        invalid(
          `${at}.resources.requests`,
          value,
          `must be less than or equal to ${resource} limit of ${limit}`,
        );
    }
  });
  return causes;
}

/**
 * The Pod Security Standard "restricted" (pod-security admission, latest), as a namespace
 * labelled `pod-security.kubernetes.io/enforce: restricted` enforces it; messages in the
 * admission plugin's words.
 */
export function restrictedViolations(pod: Partial<FakePod>): string[] {
  const out: string[] = [];
  const podSc = (pod.spec?.securityContext ?? {}) as Record<string, unknown>;
  if (pod.spec?.hostNetwork || pod.spec?.hostPID || pod.spec?.hostIPC)
    out.push('host namespaces (hostNetwork=true, hostPID=true or hostIPC=true)');
  const containers = pod.spec?.containers ?? [];
  const names = (pick: (sc: Record<string, unknown>) => boolean) =>
    containers
      .filter((c) => pick((c.securityContext ?? {}) as Record<string, unknown>))
      .map((c) => `"${c.name}"`);
  const privileged = names((sc) => sc.privileged === true);
  if (privileged.length)
    out.push(
      `privileged (container ${privileged.join(', ')} must not set securityContext.privileged=true)`,
    );
  const escalation = names((sc) => sc.allowPrivilegeEscalation !== false);
  if (escalation.length)
    out.push(
      `allowPrivilegeEscalation != false (container ${escalation.join(', ')} must set securityContext.allowPrivilegeEscalation=false)`,
    );
  const caps = names((sc) => {
    const c = (sc.capabilities ?? {}) as { drop?: string[]; add?: string[] };
    return !(c.drop ?? []).includes('ALL') || (c.add ?? []).some((a) => a !== 'NET_BIND_SERVICE');
  });
  if (caps.length)
    out.push(
      `unrestricted capabilities (container ${caps.join(', ')} must set securityContext.capabilities.drop=["ALL"])`,
    );
  const nonRoot = names((sc) => sc.runAsNonRoot !== true && podSc.runAsNonRoot !== true);
  if (nonRoot.length)
    out.push(
      `runAsNonRoot != true (pod or container ${nonRoot.join(', ')} must set securityContext.runAsNonRoot=true)`,
    );
  const root = names((sc) => sc.runAsUser === 0);
  if (podSc.runAsUser === 0 || root.length)
    out.push('runAsUser=0 (pod and containers must not set runAsUser=0)');
  const seccompOk = (p: unknown) => {
    const type = (p as { type?: string } | undefined)?.type;
    return type === 'RuntimeDefault' || type === 'Localhost';
  };
  const seccomp = names((sc) => !seccompOk(sc.seccompProfile) && !seccompOk(podSc.seccompProfile));
  if (seccomp.length)
    out.push(
      `seccompProfile (pod or container ${seccomp.join(', ')} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`,
    );
  return out;
}

/** `500m`, `2`, `0.5` -> cores. */
export function parseCpu(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q);
}

const UNITS: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
};

/** `512Mi`, `64Gi`, `1G`, `1024` -> bytes. */
export function parseMemory(q: string): number {
  const m = /^([0-9.]+)([A-Za-z]*)$/.exec(q);
  if (!m) return Number.NaN;
  return Number(m[1]) * (m[2] ? (UNITS[m[2]] ?? Number.NaN) : 1);
}
