#!/usr/bin/env node
// `nanopod-node-agent`: runs the built agent (dist/, after `npm run build`) when present, else
// straight from TypeScript. Partners install the built one; the fallback is for a fresh clone.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const root = path.resolve(__dirname, '../../..');
const built = path.join(root, 'dist/apps/node-agent/src/main.js');

let main;
if (fs.existsSync(built) && !process.env.NANOPOD_AGENT_FROM_SOURCE) {
  main = require(built);
} else {
  process.env.TS_NODE_PROJECT = path.join(root, 'tsconfig.json');
  process.env.TS_NODE_TRANSPILE_ONLY = 'true';
  require('ts-node/register/transpile-only');
  require('tsconfig-paths').register({
    baseUrl: root,
    paths: require(path.join(root, 'tsconfig.json')).compilerOptions.paths,
  });
  main = require(path.join(root, 'apps/node-agent/src/main.ts'));
}
main.main(process.argv.slice(2)).then((code) => process.exit(code));
