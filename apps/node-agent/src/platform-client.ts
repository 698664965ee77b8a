import type { EnrollRequest, EnrollResponse, Heartbeat, HeartbeatAck } from '@nanopod/federation';

/** The platform answered with its `{error:{code,message}}` shape, or not at all. */
export class PlatformError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(url: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    throw new PlatformError(
      0,
      'agent.platform_unreachable',
      `cannot reach ${new URL(url).origin}: ${(err as Error).message}`,
    );
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new PlatformError(
      response.status,
      error?.code ?? `http.${response.status}`,
      error?.message ?? `platform answered ${response.status}`,
    );
  }
  return body as T;
}

/** HTTP half of the agent protocol (the WebSocket half is AgentChannel). */
export class PlatformClient {
  constructor(private readonly baseUrl: string) {}

  enroll(request: EnrollRequest): Promise<EnrollResponse> {
    return call<EnrollResponse>(`${this.baseUrl}/v1/agent/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
  }

  heartbeat(nodeId: string, credential: string, heartbeat: Heartbeat): Promise<HeartbeatAck> {
    return call<HeartbeatAck>(
      `${this.baseUrl}/v1/agent/nodes/${encodeURIComponent(nodeId)}/heartbeat`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
        body: JSON.stringify(heartbeat),
      },
    );
  }

  channelUrl(nodeId: string): string {
    return `${this.baseUrl.replace(/^http/, 'ws')}/v1/agent/nodes/${encodeURIComponent(nodeId)}/channel`;
  }
}
