/**
 * GraphQL built-ins (OPA v1/topdown/graphql.go): graphql.parse, graphql.parse_and_verify,
 * graphql.parse_query, graphql.parse_schema, graphql.is_valid, graphql.schema_is_valid.
 * Documents are gqlparser's AST as JSON objects (see graphql-ast.ts); strings are parsed with a
 * port of gqlparser's parser, objects are read back as Go's json.Unmarshal would.
 */
import { fromJSON, RegoObject, toJSON, Value } from '../../value';
import type { BuiltinRegistry, TypeDecl } from '../builtin.types';
import { fail, str, typeError } from '../args';
import {
  decodeQueryDocument,
  decodeSchemaDocument,
  GqlError,
  parseQueryDocument,
  parseSchemaDocument,
  queryDocumentJson,
  schemaDocumentJson,
  type QueryDocument,
  type SchemaDocument,
} from './graphql-ast';
import type * as GraphqlValidate from './graphql-validate';

/**
 * The validator (and graphql-js under it) on first use: a tenth of a second of module loading
 * that every platform start paid for the few policies that validate GraphQL.
 */
let validate: typeof GraphqlValidate | null = null;
function validator(): typeof GraphqlValidate {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use
  validate ??= require('./graphql-validate') as typeof GraphqlValidate;
  return validate;
}
const convertSchema: typeof GraphqlValidate.convertSchema = (doc) => validator().convertSchema(doc);
const validateQuery: typeof GraphqlValidate.validateQuery = (schema, doc) =>
  validator().validateQuery(schema, doc);

const STRING_OR_OBJECT: TypeDecl = { anyOf: ['string', 'object'] };

/** gqlerror's `input:LINE:COL: message` text (`input: message` without a position). */
function gqlErrorText(e: GqlError): string {
  return e.position
    ? `input:${e.position.line}:${e.position.column}: ${e.message}`
    : `input: ${e.message}`;
}

/** OPA's rewording of a parse error: `MSG in GraphQL string at location L:C`. */
function parseErrorMessage(e: GqlError): string {
  const pos = e.position ?? { line: 0, column: 0 };
  return `${e.message} in GraphQL string at location ${pos.line}:${pos.column}`;
}

function parseQueryString(name: string, s: string): QueryDocument {
  try {
    return parseQueryDocument(s);
  } catch (e) {
    if (e instanceof GqlError) throw fail(name, parseErrorMessage(e));
    throw e;
  }
}

function parseSchemaString(name: string, s: string): SchemaDocument {
  try {
    return parseSchemaDocument(s);
  } catch (e) {
    if (e instanceof GqlError) throw fail(name, parseErrorMessage(e));
    throw e;
  }
}

function decodeOrFail<X>(name: string, f: () => X): X {
  try {
    return f();
  } catch (e) {
    throw fail(name, e instanceof Error ? e.message : String(e));
  }
}

function queryOperand(name: string, v: Value): QueryDocument {
  if (typeof v === 'string') return parseQueryString(name, v);
  if (v instanceof RegoObject) return decodeOrFail(name, () => decodeQueryDocument(toJSON(v)));
  throw typeError(name, 1, 'one of {string, object}', v);
}

function schemaOperand(name: string, v: Value, pos: number): SchemaDocument {
  if (typeof v === 'string') return parseSchemaString(name, v);
  if (v instanceof RegoObject) return decodeOrFail(name, () => decodeSchemaDocument(toJSON(v)));
  throw typeError(name, pos, 'one of {string, object}', v);
}

/**
 * Parses both operands, converts them to Rego (before validation, as OPA) and validates the
 * query against the schema; throws the built-in error OPA raises.
 */
function parseAndValidate(name: string, args: Value[]): [Value, Value] {
  const query = queryOperand(name, args[0]);
  const schemaDoc = schemaOperand(name, args[1], 2);
  const queryValue = fromJSON(queryDocumentJson(query));
  const schemaValue = fromJSON(schemaDocumentJson(schemaDoc));
  let schema;
  try {
    schema = convertSchema(schemaDoc);
  } catch (e) {
    if (!(e instanceof GqlError)) throw e;
    throw fail(name, `Error in gqlparser SchemaDocument to Schema conversion: ${gqlErrorText(e)}`);
  }
  const errors = validateQuery(schema, query);
  if (errors.length > 0) {
    // OPA splits the error list's text at its first three colons and trims ".\n" at the end.
    const text = errors.map((e) => gqlErrorText(e) + '\n').join('');
    const parts = text.split(':');
    const line = parts[1] ?? '';
    const col = parts[2] ?? '';
    let msg = parts.slice(3).join(':').replace(/^ +/, '');
    if (msg.endsWith('.\n')) msg = msg.slice(0, -2);
    throw fail(name, `${msg} in GraphQL string at location ${line}:${col}`);
  }
  return [queryValue, schemaValue];
}

/** True when no error: is_valid / parse_and_verify / schema_is_valid turn every error into false. */
function succeeds(f: () => void): boolean {
  try {
    f();
    return true;
  } catch {
    return false;
  }
}

export function register(registry: BuiltinRegistry): void {
  registry.register({
    name: 'graphql.parse',
    args: [STRING_OR_OBJECT, STRING_OR_OBJECT],
    result: 'array',
    impl: (args) => parseAndValidate('graphql.parse', args),
  });

  registry.register({
    name: 'graphql.parse_and_verify',
    args: [STRING_OR_OBJECT, STRING_OR_OBJECT],
    result: 'array',
    impl: (args) => {
      let parsed: [Value, Value] | undefined;
      if (
        !succeeds(() => (parsed = parseAndValidate('graphql.parse_and_verify', args))) ||
        !parsed
      ) {
        return [false, new RegoObject(), new RegoObject()];
      }
      return [true, parsed[0], parsed[1]];
    },
  });

  registry.register({
    name: 'graphql.parse_query',
    args: ['string'],
    result: 'object',
    impl: (args) => {
      const doc = parseQueryString('graphql.parse_query', str('graphql.parse_query', args, 0));
      return fromJSON(queryDocumentJson(doc));
    },
  });

  registry.register({
    name: 'graphql.parse_schema',
    args: ['string'],
    result: 'object',
    impl: (args) => {
      const doc = parseSchemaString('graphql.parse_schema', str('graphql.parse_schema', args, 0));
      return fromJSON(schemaDocumentJson(doc));
    },
  });

  registry.register({
    name: 'graphql.is_valid',
    args: [STRING_OR_OBJECT, STRING_OR_OBJECT],
    result: 'boolean',
    impl: (args) =>
      succeeds(() => {
        const query = queryOperand('graphql.is_valid', args[0]);
        const schema = convertSchema(schemaOperand('graphql.is_valid', args[1], 2));
        if (validateQuery(schema, query).length > 0) throw new GqlError('invalid');
      }),
  });

  registry.register({
    name: 'graphql.schema_is_valid',
    args: [STRING_OR_OBJECT],
    result: 'boolean',
    impl: (args) =>
      succeeds(() => convertSchema(schemaOperand('graphql.schema_is_valid', args[0], 1))),
  });
}
