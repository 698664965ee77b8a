/** Error codes of the federation context. */
export const FederationErrorCodes = {
  partnerNotFound: 'federation.partner_not_found',
  partnerExists: 'federation.partner_exists',
  nodeNotFound: 'federation.node_not_found',
  /** Several of the nodes the caller sees carry the name asked for: use an id. */
  nodeNameAmbiguous: 'federation.node_name_ambiguous',
  tokenInvalid: 'federation.enrollment_token_invalid',
  tokenUsed: 'federation.enrollment_token_used',
  tokenExpired: 'federation.enrollment_token_expired',
  credentialInvalid: 'federation.credential_invalid',
  nodeMismatch: 'federation.node_mismatch',
  nodeTerminated: 'federation.node_terminated',
  notConnected: 'federation.node_not_connected',
  agentTimeout: 'federation.agent_timeout',
  agentError: 'federation.agent_error',
  // The agent's own code for a reply it cannot make sense of (apps/node-agent uses it too).
  agentInternal: 'agent.internal',
  inventoryInvalid: 'federation.inventory_invalid',
  kindForbidden: 'federation.kind_forbidden',
  addressForbidden: 'federation.address_forbidden',
} as const;
