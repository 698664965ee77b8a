#!/usr/bin/env node
/*
 * `npm start`: build what changed, then run the platform in this process.
 *
 * The server (tsc) and the dashboard (vite) are rebuilt only when their sources changed since
 * the last build: a content hash of each set of sources is kept in dist/.build-stamp.json, so a
 * start with nothing changed skips straight to the platform (a checkout that only touches mtimes
 * does not rebuild; a deleted or missing output does). Plain JavaScript: it runs before any
 * build exists.
 *
 * Logs are readable lines on a terminal (NANOPOD_LOG_FORMAT=pretty) and JSON otherwise, unless
 * NANOPOD_LOG_FORMAT says which.
 */
'use strict';
const { createHash } = require('node:crypto');
const { spawnSync } = require('node:child_process');
const {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../../..');
const STAMP_FILE = 'dist/.build-stamp.json';

/** What each build reads, and the file whose absence means it must run. */
const TARGETS = {
  server: {
    script: 'build:server',
    sources: [
      'apps/platform/src',
      'apps/cli/src',
      'apps/node-agent/src',
      'libs',
      'tsconfig.json',
      'tsconfig.build.json',
      'package-lock.json',
    ],
    output: 'dist/apps/platform/src/main.js',
  },
  web: {
    script: 'build:web',
    sources: ['apps/web', 'package-lock.json'],
    output: 'dist/web/index.html',
  },
};

const SKIP_DIRS = new Set(['node_modules', 'dist', 'test']);
const isTest = (name) => /\.(e2e-)?spec\.tsx?$/.test(name);

function hashSources(sources, root = ROOT) {
  const hash = createHash('sha256');
  const add = (rel) => {
    const abs = path.join(root, rel);
    if (!existsSync(abs)) return;
    if (statSync(abs).isDirectory()) {
      const names = readdirSync(abs).sort();
      for (const name of names) {
        if (name.startsWith('.') || SKIP_DIRS.has(name) || isTest(name)) continue;
        add(path.join(rel, name));
      }
    } else {
      hash.update(rel).update('\0').update(readFileSync(abs)).update('\0');
    }
  };
  for (const s of sources) add(s);
  return hash.digest('hex');
}

function readStamp(root) {
  try {
    return JSON.parse(readFileSync(path.join(root, STAMP_FILE), 'utf8'));
  } catch {
    return {};
  }
}

/**
 * The builds a start must run in `root`, with why and the hash to stamp after: none when every
 * output exists and its sources hash to what the last build stamped.
 */
function plan(root = ROOT) {
  const stamp = readStamp(root);
  const todo = [];
  for (const [name, target] of Object.entries(TARGETS)) {
    const hash = hashSources(target.sources, root);
    const built = existsSync(path.join(root, target.output));
    if (built && stamp[name] === hash) continue;
    todo.push({
      name,
      script: target.script,
      hash,
      why: built ? 'sources changed' : 'first build',
    });
  }
  return todo;
}

function stampBuilt(root, name, hash) {
  const file = path.join(root, STAMP_FILE);
  const stamp = readStamp(root);
  stamp[name] = hash;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(stamp, null, 2)}\n`);
}

function buildIfChanged() {
  for (const step of plan()) {
    process.stdout.write(`Building the ${step.name} (${step.why}): npm run ${step.script}\n`);
    const started = Date.now();
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const r = spawnSync(npm, ['run', '--silent', step.script], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) {
      process.stderr.write(`nanopod: npm run ${step.script} failed (exit ${r.status})\n`);
      process.exit(r.status ?? 1);
    }
    process.stdout.write(
      `Built the ${step.name} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    stampBuilt(ROOT, step.name, step.hash);
  }
}

if (require.main === module) {
  buildIfChanged();
  if (!process.env.NANOPOD_LOG_FORMAT)
    process.env.NANOPOD_LOG_FORMAT = process.stdout.isTTY ? 'pretty' : 'json';
  require(path.join(ROOT, TARGETS.server.output));
}

module.exports = { plan, stampBuilt, hashSources, TARGETS };
