#!/usr/bin/env node
// The `nanopod` CLI: the built CLI when `npm run build` has run, else straight from source.
const path = require('node:path');
const fs = require('node:fs');
const root = path.resolve(__dirname, '..');
const built = path.join(root, 'dist/apps/cli/src/main.js');
if (fs.existsSync(built)) {
  require(built);
} else {
  process.env.TS_NODE_PROJECT = path.join(root, 'tsconfig.json');
  process.env.TS_NODE_TRANSPILE_ONLY = 'true';
  require('ts-node/register/transpile-only');
  require('tsconfig-paths').register({ baseUrl: root, paths: require(path.join(root, 'tsconfig.json')).compilerOptions.paths });
  require(path.join(root, 'apps/cli/src/main.ts'));
}
