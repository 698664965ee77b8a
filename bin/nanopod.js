#!/usr/bin/env node
// The `nanopod` CLI. Runs the built CLI (dist/, after `npm run build`) when it is at least as new
// as the sources, else straight from TypeScript, so `npx nanopod ...` works in a fresh clone.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '..');
const built = path.join(root, 'dist/apps/cli/src/main.js');
const sourceDir = path.join(root, 'apps/cli/src');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function useBuilt() {
  if (process.env.NANOPOD_CLI_FROM_SOURCE) return false;
  if (!fs.existsSync(built)) return false;
  if (!fs.existsSync(sourceDir)) return true;
  return fs.statSync(built).mtimeMs >= newestMtime(sourceDir);
}

// main.ts also runs itself when argv[1] ends in nanopod.js; this launcher calls runCli itself
// (an npx symlink has another name), so it hides its own name from that check.
process.argv[1] = path.join(root, 'bin', 'nanopod');

let main;
if (useBuilt()) {
  main = require(built);
} else {
  process.env.TS_NODE_PROJECT = path.join(root, 'tsconfig.json');
  process.env.TS_NODE_TRANSPILE_ONLY = 'true';
  require('ts-node/register/transpile-only');
  require('tsconfig-paths').register({
    baseUrl: root,
    paths: require(path.join(root, 'tsconfig.json')).compilerOptions.paths,
  });
  main = require(path.join(sourceDir, 'main.ts'));
}
main.runCli(process.argv.slice(2)).then((code) => process.exit(code));
