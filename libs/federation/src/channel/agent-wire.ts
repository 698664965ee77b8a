import { FederationErrorCodes } from '../federation.errors';
import {
  ConflictError,
  NanopodError,
  NotFoundError,
  PayloadTooLargeError,
  UnavailableError,
  UpstreamError,
  ValidationError,
} from '@nanopod/common';
import type { PlatformMessage } from '../protocol/agent-protocol';
import { AgentReplyError, AgentReply, ExecOutput, WithoutId } from './node-channel';

/** Every replica listens here: which nodes' agents it holds. */
export const PRESENCE_CHANNEL = 'federation_agent_presence';
/** One per replica: calls for the agents it holds, and the answers to its own calls. */
export const directChannel = (instanceId: string): string => `federation_agent_rpc_${instanceId}`;

export interface WireError {
  agentCode?: string;
  kind?: string;
  code: string;
  message: string;
  details?: unknown;
}

/** The messages replicas exchange about agents, as JSON on the cluster bus. */
export type Wire =
  | { op: 'presence'; i: string; up?: string[]; down?: string[]; full?: boolean }
  | { op: 'who'; i: string }
  | {
      op: 'call';
      rid: string;
      from: string;
      node: string;
      mode: 'request' | 'stream';
      msg: WithoutId<PlatformMessage>;
      timeoutMs: number;
    }
  | { op: 'cancel'; rid: string }
  | { op: 'close'; node: string; reason: string; code?: number }
  | { op: 'ack'; rid: string }
  | { op: 'output'; rid: string; msg: ExecOutput }
  | { op: 'reply'; rid: string; msg: AgentReply }
  | { op: 'error'; rid: string; error: WireError }
  /** A message too large for NOTIFY, waiting in federation_agent_rpc_bodies. */
  | { op: 'ref'; id: string };

export function toWireError(err: unknown): WireError {
  if (err instanceof AgentReplyError) {
    return { agentCode: err.agentCode, code: err.code, message: err.message };
  }
  if (err instanceof NanopodError) {
    return { kind: err.kind, code: err.code, message: err.message, details: err.details };
  }
  return {
    kind: 'upstream',
    code: FederationErrorCodes.agentError,
    message: 'The agent call failed',
  };
}

/** The holder's error, thrown again on the caller's replica as the same kind and code. */
export function fromWireError(e: WireError): NanopodError {
  if (e.agentCode !== undefined) return new AgentReplyError(e.agentCode, e.message);
  const details = e.details as Record<string, unknown> | undefined;
  switch (e.kind) {
    case 'unavailable':
      return new UnavailableError(e.code, e.message, details);
    case 'not_found':
      return new NotFoundError(e.code, e.message, details);
    case 'conflict':
      return new ConflictError(e.code, e.message, details);
    case 'validation':
      return new ValidationError(e.code, e.message, details);
    case 'payload_too_large':
      return new PayloadTooLargeError(e.code, e.message, details);
    default:
      return new UpstreamError(e.code, e.message, details);
  }
}
