import { transformFile, type Options } from '@swc/core';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * One build of the platform, agent and CLI for every child-process test: swc strips the types
 * of apps/ and libs/ into `.test-build/` (same layout, path aliases rewritten), so a child starts
 * from JavaScript (about 0.5 s) instead of compiling TypeScript as it loads (about 3 s).
 */
export const ROOT = path.resolve(__dirname, '../..');
export const TEST_BUILD_DIR = path.join(ROOT, '.test-build');

const SOURCE_DIRS = ['apps/platform/src', 'apps/node-agent/src', 'apps/cli/src'];

/** The JavaScript entry point built from `source` (a path relative to the repository root). */
export function builtEntry(source: string): string {
  return path.join(TEST_BUILD_DIR, source.replace(/\.ts$/, '.js'));
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(p, out);
    else if (/\.tsx?$/.test(entry.name) && !/\.(spec|e2e-spec)\.ts$/.test(entry.name)) out.push(p);
  }
  return out;
}

function swcOptions(): Options {
  const tsconfig = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  return {
    swcrc: false,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
      target: 'es2022',
      keepClassNames: true,
      baseUrl: ROOT,
      paths: tsconfig.compilerOptions.paths,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  };
}

/** Builds what changed since the last build; returns how many files were compiled. */
export async function buildForTests(): Promise<number> {
  const libs = readdirSync(path.join(ROOT, 'libs')).map((l) => `libs/${l}/src`);
  const files = [...SOURCE_DIRS, ...libs]
    .map((d) => path.join(ROOT, d))
    .filter((d) => statSync(d, { throwIfNoEntry: false })?.isDirectory())
    .flatMap((d) => sourceFiles(d));
  const options = swcOptions();
  const stale = files.filter((file) => {
    const out = statSync(builtEntry(path.relative(ROOT, file).replace(/\.tsx$/, '.ts')), {
      throwIfNoEntry: false,
    });
    return !out || out.mtimeMs < statSync(file).mtimeMs;
  });
  await Promise.all(
    stale.map(async (file) => {
      const { code } = await transformFile(file, { ...options, filename: file });
      const out = builtEntry(path.relative(ROOT, file).replace(/\.tsx$/, '.ts'));
      mkdirSync(path.dirname(out), { recursive: true });
      writeFileSync(out, code);
    }),
  );
  return stale.length;
}
