// The dependency order of ARCHITECTURE.md as an ESLint rule, so that `npm run lint` fails on an
// import against it instead of relying on review. CommonJS so that jest and the flat config
// (an ES module) load the same object.
//
// Order (a lib imports only libs of a strictly lower layer; libs in one layer do not import each
// other): common <- identity <- reputation/policy <- billing <- market/federation
// <- compute/sandbox <- serving <- gateway. `rego` stands alone: it imports no other lib and any
// lib may import it. Apps sit on top and never import another app's source. Libs not born yet
// (rego, market, compute, serving, gateway) are listed so they are checked when they land; a lib
// missing from this table is an error until someone places it.
'use strict';

const path = require('node:path');

const ROOT = __dirname;

const LAYERS = {
  common: 0,
  identity: 1,
  reputation: 2,
  policy: 2,
  billing: 3,
  market: 4,
  federation: 4,
  compute: 5,
  sandbox: 5,
  serving: 6,
  gateway: 7,
};
const STANDALONE = new Set(['rego']);
// Apps that publish an entry point (apps/<app>/src/index.ts) under @nanopod/<app>: other apps may
// import it (the platform runs the embedded default's node agent in process); libs may not.
const APP_PACKAGES = new Set(['node-agent']);

/** Where a file sits: a lib's or an app's production source, or a test (tests sit on top). */
function classify(file) {
  const rel = path.relative(ROOT, path.resolve(ROOT, file)).split(path.sep).join('/');
  if (rel.startsWith('..')) return { kind: 'outside', rel };
  const [top, name, area] = rel.split('/');
  const isTest =
    /\.(spec|e2e-spec)\.tsx?$/.test(rel) ||
    area === 'test' ||
    top === 'test' ||
    top === 'bench' ||
    /(^|\/)__fixtures__\//.test(rel);
  if (top === 'libs' && name) return { kind: isTest ? 'test' : 'lib', name, rel };
  if (top === 'apps' && name) return { kind: isTest ? 'test' : 'app', name, rel };
  return { kind: isTest ? 'test' : 'other', rel };
}

/** The lib or app a relative import lands in, or null when it stays outside apps/ and libs/. */
function targetOfRelative(fromFile, spec) {
  const abs = path.resolve(path.dirname(path.resolve(ROOT, fromFile)), spec);
  const rel = path.relative(ROOT, abs).split(path.sep).join('/');
  const [top, name, area] = rel.split('/');
  if ((top === 'libs' || top === 'apps') && name) return { top, name, area };
  return null;
}

function layerRule(from, to) {
  if (from === to) return null;
  if (STANDALONE.has(from)) return `'${from}' stands alone and imports no other lib (found @nanopod/${to}).`;
  if (STANDALONE.has(to)) return null;
  if (!(from in LAYERS)) return `lib '${from}' is not in the dependency order; add it to eslint-boundaries.cjs.`;
  if (!(to in LAYERS)) return `lib '${to}' is not in the dependency order; add it to eslint-boundaries.cjs.`;
  if (LAYERS[to] < LAYERS[from]) return null;
  const where = LAYERS[to] === LAYERS[from] ? 'in the same layer as' : 'above';
  return `'${from}' may not import '${to}': it sits ${where} '${from}' in the dependency order (ARCHITECTURE.md). Declare a port in '${from}' that the app binds instead.`;
}

function check(context, node, spec) {
  if (typeof spec !== 'string') return;
  const from = classify(context.filename);
  if (from.kind === 'outside') return;
  const report = (message) => context.report({ node, messageId: 'boundary', data: { message } });

  const alias = /^@nanopod\/([^/]+)(\/.*)?$/.exec(spec);
  if (alias) {
    const [, lib, rest] = alias;
    if (rest) return report(`deep import '${spec}': import another lib only through @nanopod/${lib}.`);
    if (APP_PACKAGES.has(lib)) {
      if (from.kind === 'lib') report(`a lib may not import an app ('${spec}').`);
      return;
    }
    if (from.kind === 'lib') {
      const problem = layerRule(from.name, lib);
      if (problem) report(problem);
    }
    return;
  }
  if (!spec.startsWith('.')) return;

  const target = targetOfRelative(context.filename, spec);
  if (!target) return;
  const ownRoot = from.rel.split('/').slice(0, 2).join('/');
  const targetRoot = `${target.top}/${target.name}`;
  if (ownRoot === targetRoot) return;
  // A test may share another lib's test fixtures (libs/<lib>/test), never its source.
  if (from.kind === 'test' && target.area === 'test') return;
  if (target.top === 'libs') {
    return report(`deep import '${spec}': import lib '${target.name}' only through @nanopod/${target.name}.`);
  }
  // Tests sit on top: they may boot the platform or drive the agent through its source.
  if (from.kind === 'test') return;
  if (from.kind === 'lib') return report(`a lib may not import an app ('${spec}').`);
  if (from.kind === 'app') {
    return report(`app '${from.name}' may not import app '${target.name}' source ('${spec}'); run it as a process or share through a lib.`);
  }
}

const boundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the dependency order of ARCHITECTURE.md between libs and apps.' },
    schema: [],
    messages: { boundary: '{{message}}' },
  },
  create(context) {
    return {
      ImportDeclaration: (node) => check(context, node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(context, node.source, node.source.value),
      ExportAllDeclaration: (node) => check(context, node.source, node.source.value),
      ImportExpression: (node) =>
        node.source.type === 'Literal' && check(context, node.source, node.source.value),
      TSImportEqualsDeclaration: (node) =>
        node.moduleReference.type === 'TSExternalModuleReference' &&
        check(context, node.moduleReference.expression, node.moduleReference.expression.value),
      CallExpression: (node) => {
        if (node.callee.type !== 'Identifier' || node.callee.name !== 'require') return;
        const [arg] = node.arguments;
        if (arg && arg.type === 'Literal') check(context, arg, arg.value);
      },
    };
  },
};

module.exports = {
  LAYERS,
  APP_PACKAGES,
  STANDALONE,
  plugin: { meta: { name: 'nanopod' }, rules: { boundaries } },
};
