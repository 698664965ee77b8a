/** Error codes of the sandbox context. */
export const SandboxErrorCodes = {
  notFound: 'sandbox.not_found',
  /** The owner has a sandbox (not deleted) with this name. */
  nameTaken: 'sandbox.name_taken',
  noCapacity: 'sandbox.no_capacity',
  /** Nodes with room exist, but none can enforce what the sandbox needs (egress netns, cgroups). */
  uncontainable: 'sandbox.uncontainable',
  /** The placement policy failed to evaluate: nothing is placed (fail closed). */
  placementPolicyError: 'sandbox.placement_policy_error',
  notRunning: 'sandbox.not_running',
  startFailed: 'sandbox.start_failed',
  pathInvalid: 'sandbox.path_invalid',
  fileNotFound: 'sandbox.file_not_found',
  fileTooLarge: 'sandbox.file_too_large',
  archiveRefused: 'sandbox.archive_refused',
  quotaExceeded: 'sandbox.quota_exceeded',
  insufficientFunds: 'sandbox.insufficient_funds',
  commandMissing: 'sandbox.command_missing',
  nodeUnavailable: 'sandbox.node_unavailable',
  invalidTransition: 'sandbox.invalid_transition',
  /** The policy's code, answered by the sandbox API when a spawn is denied. */
  policyDenied: 'sandbox.policy_denied',
} as const;
