/** Reported in the inventory and in `hello`; bump with protocol-visible changes. */
export const AGENT_VERSION = '0.1.0';
