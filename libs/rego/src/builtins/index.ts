/** The default built-in registry: every category registered once (as regorus builtins/mod.rs). */
import { BuiltinRegistry } from './builtin.types';
import * as aggregates from './aggregates';
import * as arrays from './arrays';
import * as aws from './aws';
import * as bits from './bits';
import * as comparison from './comparison';
import * as crypto from './crypto';
import * as encoding from './encoding';
import * as glob from './glob';
import * as graphql from './graphql';
import * as http from './http/http-send';
import * as jsonPaths from './json-paths';
import * as jsonSchema from './jsonschema';
import * as jwt from './jwt';
import * as misc from './misc';
import * as net from './net';
import * as numbers from './numbers';
import * as objects from './objects';
import * as regex from './regex';
import * as semver from './semver';
import * as sets from './sets';
import * as sprintf from './sprintf';
import * as strings from './strings';
import * as regoParse from './rego-parse';
import * as template from './template';
import * as time from './time';
import * as types from './types';
import * as units from './units';
import * as x509 from './x509';
import * as x509Csr from './x509-csr';

const categories: Array<{ register(registry: BuiltinRegistry): void }> = [
  comparison,
  numbers,
  bits,
  aggregates,
  sets,
  arrays,
  objects,
  jsonPaths,
  strings,
  sprintf,
  regex,
  glob,
  types,
  encoding,
  time,
  units,
  net,
  semver,
  crypto,
  misc,
  jwt,
  template,
  x509,
  x509Csr,
  aws,
  jsonSchema,
  graphql,
  http,
  regoParse,
];

let cached: BuiltinRegistry | undefined;

/** All built-ins; built once and shared (the registry is read-only after this). */
export function defaultBuiltins(): BuiltinRegistry {
  if (!cached) {
    const registry = new BuiltinRegistry();
    for (const c of categories) c.register(registry);
    cached = registry;
  }
  return cached;
}
