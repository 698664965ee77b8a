#!/usr/bin/env node
// bin/nanopod.js for tests: the same launcher, on the CLI that the global setup built once
// (.test-build/), so no CLI child compiles TypeScript as it starts.
'use strict';
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
process.argv[1] = path.join(root, 'bin', 'nanopod');
require(path.join(root, '.test-build/apps/cli/src/main.js'))
  .runCli(process.argv.slice(2))
  .then((code) => process.exit(code));
