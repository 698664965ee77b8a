// The node agent's public entry point (@nanopod/node-agent): what the platform needs to run the
// embedded default's local node in process. Everything else in the agent stays private.
export { enrollNode, startNodeAgent } from './agent';
export type { EnrollOptions, NodeAgent, NodeAgentOptions } from './agent';
export { credentialPath, readCredential } from './credential-store';
export type { StoredCredential } from './credential-store';
