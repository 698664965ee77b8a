import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { Parser, ReadEntry } from 'tar';
import { PolicyEvaluator } from './policy-evaluator';

/** A bundle file that cannot be used: missing, not a gzip tarball, no policy.wasm, bad data. */
export class OpaBundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OpaBundleError';
  }
}

/** `data.nanopod.subsidy.decision` -> `nanopod/subsidy/decision`. */
export function refToEntrypoint(ref: string): string {
  return ref
    .replace(/^data\./, '')
    .split('.')
    .join('/');
}

/** The bundle's files by path without the leading `/` or `./` (only the ones we read). */
async function readBundleFiles(file: string): Promise<Map<string, Buffer>> {
  let gz: Buffer;
  try {
    gz = await readFile(file);
  } catch (err) {
    throw new OpaBundleError(`cannot read OPA bundle ${file}: ${(err as Error).message}`);
  }
  if (gz.length < 2 || gz[0] !== 0x1f || gz[1] !== 0x8b) {
    throw new OpaBundleError(`OPA bundle ${file} is not a gzip file (expected bundle.tar.gz)`);
  }
  let tarBytes: Buffer;
  try {
    tarBytes = gunzipSync(gz);
  } catch (err) {
    throw new OpaBundleError(`OPA bundle ${file} is not valid gzip: ${(err as Error).message}`);
  }
  const wanted = new Set(['policy.wasm', 'data.json', '.manifest']);
  const files = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        const name = entry.path.replace(/^\.?\/+/, '');
        if (entry.type !== 'File' || !wanted.has(name)) {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => files.set(name, Buffer.concat(chunks)));
      },
    });
    parser.on('error', (err: Error) =>
      reject(new OpaBundleError(`OPA bundle ${file} is not a valid tarball: ${err.message}`)),
    );
    parser.on('end', () => resolve());
    parser.end(tarBytes);
  });
  return files;
}

function parseJson(file: string, name: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new OpaBundleError(`OPA bundle ${file}: /${name} is not JSON: ${(err as Error).message}`);
  }
}

/**
 * Loads a compiled OPA bundle (`opa build -t wasm`): `/policy.wasm`, optional `/data.json`
 * (and `/.manifest`, checked to be JSON). Throws OpaBundleError with a clear message when the
 * file cannot be used. The evaluator maps `data.a.b.c` to the entrypoint `a/b/c`, returns
 * undefined for an empty result set, and throws for an entrypoint the bundle does not have.
 */
export async function loadOpaWasmBundle(file: string): Promise<PolicyEvaluator> {
  const files = await readBundleFiles(file);
  const wasm = files.get('policy.wasm');
  if (!wasm)
    throw new OpaBundleError(`OPA bundle ${file} has no /policy.wasm (build with -t wasm)`);
  const manifest = files.get('.manifest');
  if (manifest) parseJson(file, '.manifest', manifest);
  const dataBytes = files.get('data.json');
  const data = dataBytes ? parseJson(file, 'data.json', dataBytes) : {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new OpaBundleError(`OPA bundle ${file}: /data.json must be an object`);
  }
  let policy: Awaited<ReturnType<typeof loadPolicy>>;
  try {
    policy = await loadPolicy(new Uint8Array(wasm));
    policy.setData(data);
  } catch (err) {
    throw new OpaBundleError(
      `OPA bundle ${file}: policy.wasm does not load: ${(err as Error).message}`,
    );
  }
  const entrypoints = new Set(Object.keys((policy.entrypoints ?? {}) as Record<string, number>));
  return {
    evaluate(ref: string, options: { input: unknown }): unknown {
      const entrypoint = refToEntrypoint(ref);
      if (!entrypoints.has(entrypoint)) {
        throw new Error(
          `OPA bundle ${file} has no entrypoint ${entrypoint} (for ${ref}); it has: ${[...entrypoints].join(', ') || 'none'}`,
        );
      }
      const resultSet = policy.evaluate(options.input, entrypoint) as
        Array<{ result?: unknown }> | null | undefined;
      if (!Array.isArray(resultSet) || resultSet.length === 0) return undefined;
      return resultSet[0].result;
    },
  };
}
