/**
 * The port decisions evaluate through: a compiled policy that answers a `data.…` ref for an
 * input. The in-process engine's CompiledPolicy satisfies it; so does an OPA wasm bundle.
 * Extra options (the engine's `limits`) pass through to evaluators that understand them.
 */
export interface PolicyEvaluator {
  evaluate(ref: string, options: { input: unknown }): unknown;
}
