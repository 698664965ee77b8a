/**
 * GraphQL validation as OPA does it: the schema document merged over gqlparser's prelude and
 * checked by gqlparser's ValidateSchemaDocument (ported here: its rules are looser than the
 * spec's, e.g. extending an undefined type defines it), then the query validated against it.
 * Query validation uses graphql-js's specified rules on a schema built from the merged types
 * (their messages are gqlparser's, which copies graphql-js), plus gqlparser's KnownRootType.
 */
import {
  buildASTSchema,
  GraphQLError,
  Kind,
  MaxIntrospectionDepthRule,
  parse as gqlParse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import {
  GqlError,
  parseSchemaDocument,
  ValueKind,
  type ArgumentDefinition,
  type Definition,
  type Directive,
  type DirectiveDefinition,
  type GqlType,
  type GqlValue,
  type Position,
  type QueryDocument,
  type SchemaDocument,
  type Selection,
  type VariableDefinition,
} from './graphql-ast';

/** gqlparser's validator/prelude.graphql (v2.4.8), parsed as built-in definitions. */
const PRELUDE = `
scalar Int
scalar Float
scalar String
scalar Boolean
scalar ID
directive @include(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @skip(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @deprecated(reason: String = "No longer supported") on FIELD_DEFINITION | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE
directive @specifiedBy(url: String!) on SCALAR
type __Schema {
  description: String
  types: [__Type!]!
  queryType: __Type!
  mutationType: __Type
  subscriptionType: __Type
  directives: [__Directive!]!
}
type __Type {
  kind: __TypeKind!
  name: String
  description: String
  fields(includeDeprecated: Boolean = false): [__Field!]
  interfaces: [__Type!]
  possibleTypes: [__Type!]
  enumValues(includeDeprecated: Boolean = false): [__EnumValue!]
  inputFields: [__InputValue!]
  ofType: __Type
  specifiedByURL: String
}
type __Field {
  name: String!
  description: String
  args: [__InputValue!]!
  type: __Type!
  isDeprecated: Boolean!
  deprecationReason: String
}
type __InputValue {
  name: String!
  description: String
  type: __Type!
  defaultValue: String
}
type __EnumValue {
  name: String!
  description: String
  isDeprecated: Boolean!
  deprecationReason: String
}
enum __TypeKind { SCALAR OBJECT INTERFACE UNION ENUM INPUT_OBJECT LIST NON_NULL }
type __Directive {
  name: String!
  description: String
  locations: [__DirectiveLocation!]!
  args: [__InputValue!]!
  isRepeatable: Boolean!
}
enum __DirectiveLocation {
  QUERY MUTATION SUBSCRIPTION FIELD FRAGMENT_DEFINITION FRAGMENT_SPREAD INLINE_FRAGMENT
  VARIABLE_DEFINITION SCHEMA SCALAR OBJECT FIELD_DEFINITION ARGUMENT_DEFINITION INTERFACE
  UNION ENUM ENUM_VALUE INPUT_OBJECT INPUT_FIELD_DEFINITION
}
`;

const BUILTIN_DIRECTIVES = new Set(['include', 'skip', 'deprecated', 'specifiedBy']);

export interface Schema {
  types: Map<string, Definition>;
  directives: Map<string, DirectiveDefinition>;
  possibleTypes: Map<string, Definition[]>;
  query?: Definition;
  mutation?: Definition;
  subscription?: Definition;
}

/** A schema error: gqlparser's position is the error's (may be missing for AST objects). */
function err(pos: Position | undefined, message: string): GqlError {
  return new GqlError(message, pos);
}

const quote = (s: string): string => JSON.stringify(s);

function typeName(t: GqlType | undefined): string {
  if (!t) throw err(undefined, 'nil type');
  return t.NamedType !== '' ? t.NamedType : typeName(t.Elem);
}

export function typeString(t: GqlType | undefined): string {
  if (!t) return '';
  const inner = t.NamedType !== '' ? t.NamedType : `[${typeString(t.Elem)}]`;
  return t.NonNull ? inner + '!' : inner;
}

function isCompatible(t: GqlType, other: GqlType | undefined): boolean {
  if (!other || t.NamedType !== other.NamedType) return false;
  if (t.Elem && !other.Elem) return false;
  if (t.Elem && !isCompatible(t.Elem, other.Elem)) return false;
  if (other.NonNull) return t.NonNull;
  return true;
}

const isInputKind = (k: string): boolean => k === 'SCALAR' || k === 'ENUM' || k === 'INPUT_OBJECT';

/** Parses and validates the schema as OPA's convertSchema (prelude + document). */
export function convertSchema(doc: SchemaDocument): Schema {
  const prelude = parseSchemaDocument(PRELUDE, true);
  const merged: SchemaDocument = {
    Schema: [...(prelude.Schema ?? []), ...(doc.Schema ?? [])],
    SchemaExtension: [...(prelude.SchemaExtension ?? []), ...(doc.SchemaExtension ?? [])],
    Directives: [...(prelude.Directives ?? []), ...(doc.Directives ?? [])],
    // Copies: merging extensions must not change the document handed back to Rego.
    Definitions: [...(prelude.Definitions ?? []), ...(doc.Definitions ?? [])].map((d) => ({
      ...d,
    })),
    Extensions: [...(prelude.Extensions ?? []), ...(doc.Extensions ?? [])],
  };
  return validateSchemaDocument(merged);
}

function addPossible(schema: Schema, name: string, def: Definition | undefined): void {
  const list = schema.possibleTypes.get(name) ?? [];
  if (def) list.push(def);
  schema.possibleTypes.set(name, list);
}

function validateSchemaDocument(ast: SchemaDocument): Schema {
  const schema: Schema = { types: new Map(), directives: new Map(), possibleTypes: new Map() };
  const definitions = ast.Definitions ?? [];
  for (const def of definitions) {
    if (schema.types.has(def.Name)) throw err(def.Position, `Cannot redeclare type ${def.Name}.`);
    schema.types.set(def.Name, def);
  }
  const defs = [...definitions];
  for (const ext of ast.Extensions ?? []) {
    let def = schema.types.get(ext.Name);
    if (!def) {
      def = {
        Kind: ext.Kind,
        Name: ext.Name,
        Description: '',
        BuiltIn: false,
        Position: ext.Position,
      };
      schema.types.set(ext.Name, def);
      defs.push(def);
    }
    if (def.Kind !== ext.Kind) {
      throw err(
        ext.Position,
        `Cannot extend type ${ext.Name} because the base type is a ${def.Kind}, not ${ext.Kind}.`,
      );
    }
    const cat = <X>(a: X[] | undefined, b: X[] | undefined): X[] | undefined =>
      a || b ? [...(a ?? []), ...(b ?? [])] : undefined;
    def.Directives = cat(def.Directives, ext.Directives);
    def.Interfaces = cat(def.Interfaces, ext.Interfaces);
    def.Fields = cat(def.Fields, ext.Fields);
    def.Types = cat(def.Types, ext.Types);
    def.EnumValues = cat(def.EnumValues, ext.EnumValues);
  }
  for (const def of defs) {
    if (def.Kind === 'UNION') {
      for (const t of def.Types ?? []) addPossible(schema, def.Name, schema.types.get(t));
    } else if (def.Kind === 'INPUT_OBJECT' || def.Kind === 'OBJECT') {
      for (const intf of def.Interfaces ?? []) addPossible(schema, intf, def);
      addPossible(schema, def.Name, def);
    } else if (def.Kind === 'INTERFACE') {
      for (const intf of def.Interfaces ?? []) addPossible(schema, intf, def);
    }
  }
  for (const dir of ast.Directives ?? []) {
    if (schema.directives.has(dir.Name)) {
      if (BUILTIN_DIRECTIVES.has(dir.Name)) continue;
      throw err(dir.Position, `Cannot redeclare directive ${dir.Name}.`);
    }
    schema.directives.set(dir.Name, dir);
  }
  const schemas = ast.Schema ?? [];
  if (schemas.length > 1) {
    throw err(
      schemas[1].Position,
      'Cannot have multiple schema entry points, consider schema extensions instead.',
    );
  }
  const setRoots = (s: {
    OperationTypes?: { Operation: string; Type: string; Position?: Position }[];
  }): void => {
    for (const ep of s.OperationTypes ?? []) {
      const def = schema.types.get(ep.Type);
      if (!def) {
        throw err(
          ep.Position,
          `Schema root ${ep.Operation} refers to a type ${ep.Type} that does not exist.`,
        );
      }
      if (ep.Operation === 'query') schema.query = def;
      else if (ep.Operation === 'mutation') schema.mutation = def;
      else if (ep.Operation === 'subscription') schema.subscription = def;
    }
  };
  if (schemas.length === 1) setRoots(schemas[0]);
  for (const ext of ast.SchemaExtension ?? []) setRoots(ext);

  for (const name of [...schema.types.keys()].sort()) {
    validateDefinition(schema, schema.types.get(name) as Definition);
  }
  for (const name of [...schema.directives.keys()].sort()) {
    const dir = schema.directives.get(name) as DirectiveDefinition;
    validateName(dir.Position, dir.Name);
    validateArgs(schema, dir.Arguments, dir);
  }
  if (schemas.length === 0) {
    schema.query ??= schema.types.get('Query');
    schema.mutation ??= schema.types.get('Mutation');
    schema.subscription ??= schema.types.get('Subscription');
  }
  return schema;
}

function validateName(pos: Position | undefined, name: string): void {
  if (name.startsWith('__')) {
    throw err(
      pos,
      `Name "${name}" must not begin with "__", which is reserved by GraphQL introspection.`,
    );
  }
}

function validateTypeRef(schema: Schema, t: GqlType | undefined): void {
  const name = typeName(t);
  if (!schema.types.has(name)) throw err(t?.Position, `Undefined type ${name}.`);
}

function validateArgs(
  schema: Schema,
  args: ArgumentDefinition[] | undefined,
  current: DirectiveDefinition | undefined,
): void {
  for (const arg of args ?? []) {
    validateName(arg.Position, arg.Name);
    validateTypeRef(schema, arg.Type);
    const def = schema.types.get(typeName(arg.Type)) as Definition;
    if (!isInputKind(def.Kind)) {
      throw err(
        arg.Position,
        `cannot use ${typeString(arg.Type)} as argument ${arg.Name} because ${def.Kind} is not a valid input type`,
      );
    }
    validateDirectives(schema, arg.Directives, 'ARGUMENT_DEFINITION', current);
  }
}

function validateDirectives(
  schema: Schema,
  dirs: Directive[] | undefined,
  location: string,
  current: DirectiveDefinition | undefined,
): void {
  for (const dir of dirs ?? []) {
    validateName(dir.Position, dir.Name);
    if (current && dir.Name === current.Name) {
      throw err(dir.Position, `Directive ${current.Name} cannot refer to itself.`);
    }
    const def = schema.directives.get(dir.Name);
    if (!def) throw err(dir.Position, `Undefined directive ${dir.Name}.`);
    if (!(def.Locations ?? []).includes(location)) {
      throw err(dir.Position, `Directive ${dir.Name} is not applicable on ${location}.`);
    }
  }
}

function isCovariant(
  schema: Schema,
  required: GqlType | undefined,
  actual: GqlType | undefined,
): boolean {
  if (!required || !actual) return false;
  if (required.NonNull && !actual.NonNull) return false;
  if (required.NamedType !== '') {
    if (required.NamedType === actual.NamedType) return true;
    return (schema.possibleTypes.get(required.NamedType) ?? []).some(
      (pt) => pt.Name === actual.NamedType,
    );
  }
  if (required.Elem && !actual.Elem) return false;
  return isCovariant(schema, required.Elem, actual.Elem);
}

function validateImplements(schema: Schema, def: Definition, intfName: string): void {
  const intf = schema.types.get(intfName);
  if (!intf) throw err(def.Position, `Undefined type ${quote(intfName)}.`);
  if (intf.Kind !== 'INTERFACE') {
    throw err(def.Position, `${quote(intfName)} is a non interface type ${intf.Kind}.`);
  }
  for (const req of intf.Fields ?? []) {
    const found = (def.Fields ?? []).find((f) => f.Name === req.Name);
    if (!found) {
      throw err(
        def.Position,
        `For ${def.Name} to implement ${intf.Name} it must have a field called ${req.Name}.`,
      );
    }
    if (!isCovariant(schema, req.Type, found.Type)) {
      throw err(
        found.Position,
        `For ${def.Name} to implement ${intf.Name} the field ${req.Name} must have type ${typeString(req.Type)}.`,
      );
    }
    for (const reqArg of req.Arguments ?? []) {
      const foundArg = (found.Arguments ?? []).find((a) => a.Name === reqArg.Name);
      if (!foundArg) {
        throw err(
          found.Position,
          `For ${def.Name} to implement ${intf.Name} the field ${req.Name} must have the same arguments but it is missing ${reqArg.Name}.`,
        );
      }
      if (!reqArg.Type || !isCompatible(reqArg.Type, foundArg.Type)) {
        throw err(
          foundArg.Position,
          `For ${def.Name} to implement ${intf.Name} the field ${req.Name} must have the same arguments but ${reqArg.Name} has the wrong type.`,
        );
      }
    }
    for (const a of found.Arguments ?? []) {
      const inReq = (req.Arguments ?? []).some((r) => r.Name === a.Name);
      if (!inReq && a.Type?.NonNull && !a.DefaultValue) {
        throw err(
          a.Position,
          `For ${def.Name} to implement ${intf.Name} any additional arguments on ${found.Name} must be optional or have a default value but ${a.Name} is required.`,
        );
      }
    }
  }
  for (const transitive of intf.Interfaces ?? []) {
    if (!(def.Interfaces ?? []).includes(transitive)) {
      if (transitive === def.Name) {
        throw err(
          def.Position,
          `Type ${def.Name} cannot implement ${intfName} because it would create a circular reference.`,
        );
      }
      throw err(
        def.Position,
        `Type ${def.Name} must implement ${transitive} because it is implemented by ${intfName}.`,
      );
    }
  }
}

function validateDefinition(schema: Schema, def: Definition): void {
  const fields = def.Fields ?? [];
  for (const field of fields) {
    validateName(field.Position, field.Name);
    validateTypeRef(schema, field.Type);
    validateArgs(schema, field.Arguments, undefined);
    const loc = def.Kind === 'INPUT_OBJECT' ? 'INPUT_FIELD_DEFINITION' : 'FIELD_DEFINITION';
    validateDirectives(schema, field.Directives, loc, undefined);
  }
  for (const t of def.Types ?? []) {
    const td = schema.types.get(t);
    if (!td) throw err(def.Position, `Undefined type ${quote(t)}.`);
    if (td.Kind !== 'OBJECT')
      throw err(def.Position, `${def.Kind} type ${quote(t)} must be OBJECT.`);
  }
  for (const intf of def.Interfaces ?? []) validateImplements(schema, def, intf);
  switch (def.Kind) {
    case 'OBJECT':
    case 'INTERFACE':
      if (fields.length === 0) {
        throw err(def.Position, `${def.Kind} ${def.Name}: must define one or more fields.`);
      }
      for (const field of fields) {
        const typ = schema.types.get(typeName(field.Type));
        if (typ && typ.Kind === 'INPUT_OBJECT') {
          throw err(
            field.Position,
            `${def.Kind} ${def.Name}: field must be one of SCALAR, OBJECT, INTERFACE, UNION, ENUM.`,
          );
        }
      }
      break;
    case 'ENUM':
      if ((def.EnumValues ?? []).length === 0) {
        throw err(
          def.Position,
          `${def.Kind} ${def.Name}: must define one or more unique enum values.`,
        );
      }
      for (const v of def.EnumValues ?? []) {
        if (v.Name === 'true' || v.Name === 'false' || v.Name === 'null') {
          throw err(def.Position, `${def.Kind} ${def.Name}: non-enum value ${v.Name}.`);
        }
      }
      break;
    case 'INPUT_OBJECT':
      if (fields.length === 0) {
        throw err(def.Position, `${def.Kind} ${def.Name}: must define one or more input fields.`);
      }
      for (const field of fields) {
        const typ = schema.types.get(typeName(field.Type));
        if (typ && !isInputKind(typ.Kind)) {
          throw err(
            field.Position,
            `${typ.Kind} ${field.Name}: field must be one of SCALAR, ENUM, INPUT_OBJECT.`,
          );
        }
      }
      break;
  }
  for (let i = 0; i < fields.length; i++) {
    for (let j = i + 1; j < fields.length; j++) {
      if (fields[i].Name === fields[j].Name) {
        throw err(
          fields[j].Position,
          `Field ${def.Name}.${fields[j].Name} can only be defined once.`,
        );
      }
    }
  }
  if (!def.BuiltIn) validateName(def.Position, def.Name);
  validateDirectives(schema, def.Directives, def.Kind, undefined);
}

// ---------------------------------------------------------------------------------------------
// Query validation with graphql-js.

function valueText(v: GqlValue | undefined): string {
  if (!v) return 'null';
  switch (v.Kind) {
    case ValueKind.Variable:
      return '$' + v.Raw;
    case ValueKind.String:
    case ValueKind.Block:
      return JSON.stringify(v.Raw);
    case ValueKind.List:
      return `[${(v.Children ?? []).map((c) => valueText(c.Value)).join(', ')}]`;
    case ValueKind.Object:
      return `{${(v.Children ?? []).map((c) => `${c.Name}: ${valueText(c.Value)}`).join(', ')}}`;
    default:
      return v.Raw;
  }
}

function argDefsText(args: ArgumentDefinition[] | undefined): string {
  if (!args || args.length === 0) return '';
  const parts = args.map(
    (a) =>
      `${a.Name}: ${typeString(a.Type)}${a.DefaultValue ? ' = ' + valueText(a.DefaultValue) : ''}`,
  );
  return `(${parts.join(', ')})`;
}

/** SDL of the validated schema's own types (graphql-js supplies the built-in ones). */
function schemaSDL(schema: Schema): string {
  const out: string[] = [];
  for (const def of schema.types.values()) {
    if (def.BuiltIn || def.Name.startsWith('__')) continue;
    const fields = (def.Fields ?? [])
      .filter((f) => !f.Name.startsWith('__'))
      .map((f) => {
        const dflt = f.DefaultValue ? ' = ' + valueText(f.DefaultValue) : '';
        return `  ${f.Name}${argDefsText(f.Arguments)}: ${typeString(f.Type)}${dflt}`;
      });
    const impl = def.Interfaces?.length ? ` implements ${def.Interfaces.join(' & ')}` : '';
    switch (def.Kind) {
      case 'SCALAR':
        out.push(`scalar ${def.Name}`);
        break;
      case 'OBJECT':
      case 'INTERFACE':
        out.push(
          `${def.Kind === 'OBJECT' ? 'type' : 'interface'} ${def.Name}${impl} {\n${fields.join('\n')}\n}`,
        );
        break;
      case 'INPUT_OBJECT':
        out.push(`input ${def.Name} {\n${fields.join('\n')}\n}`);
        break;
      case 'UNION':
        out.push(`union ${def.Name} = ${(def.Types ?? []).join(' | ')}`);
        break;
      case 'ENUM':
        out.push(`enum ${def.Name} { ${(def.EnumValues ?? []).map((e) => e.Name).join(' ')} }`);
        break;
    }
  }
  for (const dir of schema.directives.values()) {
    if (BUILTIN_DIRECTIVES.has(dir.Name)) continue;
    const rep = dir.IsRepeatable ? ' repeatable' : '';
    out.push(
      `directive @${dir.Name}${argDefsText(dir.Arguments)}${rep} on ${(dir.Locations ?? []).join(' | ')}`,
    );
  }
  const roots: string[] = [];
  if (schema.query) roots.push(`query: ${schema.query.Name}`);
  if (schema.mutation) roots.push(`mutation: ${schema.mutation.Name}`);
  if (schema.subscription) roots.push(`subscription: ${schema.subscription.Name}`);
  if (roots.length) out.push(`schema { ${roots.join(' ')} }`);
  return out.join('\n');
}

/** A graphql-js schema for the validated gqlparser schema (assumed valid: gqlparser decided). */
function graphqlJsSchema(schema: Schema): GraphQLSchema {
  return buildASTSchema(gqlParse(schemaSDL(schema)), { assumeValid: true, assumeValidSDL: true });
}

type Node = Record<string, unknown> & { kind: Kind };

class QueryConverter {
  readonly positions = new WeakMap<object, Position>();

  private at<N extends Node>(node: N, pos: Position | undefined): N {
    if (pos) this.positions.set(node, pos);
    return node;
  }

  private name(value: string): Node {
    return { kind: Kind.NAME, value };
  }

  type(t: GqlType | undefined): Node {
    if (!t) throw new GqlError('nil type');
    const inner: Node =
      t.NamedType !== ''
        ? { kind: Kind.NAMED_TYPE, name: this.name(t.NamedType) }
        : { kind: Kind.LIST_TYPE, type: this.type(t.Elem) };
    return this.at(t.NonNull ? { kind: Kind.NON_NULL_TYPE, type: inner } : inner, t.Position);
  }

  value(v: GqlValue | undefined): Node {
    if (!v) return { kind: Kind.NULL };
    let node: Node;
    switch (v.Kind) {
      case ValueKind.Variable:
        node = { kind: Kind.VARIABLE, name: this.name(v.Raw) };
        break;
      case ValueKind.Int:
        node = { kind: Kind.INT, value: v.Raw };
        break;
      case ValueKind.Float:
        node = { kind: Kind.FLOAT, value: v.Raw };
        break;
      case ValueKind.String:
      case ValueKind.Block:
        node = { kind: Kind.STRING, value: v.Raw, block: v.Kind === ValueKind.Block };
        break;
      case ValueKind.Boolean:
        node = { kind: Kind.BOOLEAN, value: v.Raw === 'true' };
        break;
      case ValueKind.Null:
        node = { kind: Kind.NULL };
        break;
      case ValueKind.Enum:
        node = { kind: Kind.ENUM, value: v.Raw };
        break;
      case ValueKind.List:
        node = { kind: Kind.LIST, values: (v.Children ?? []).map((c) => this.value(c.Value)) };
        break;
      case ValueKind.Object:
        node = {
          kind: Kind.OBJECT,
          fields: (v.Children ?? []).map((c) =>
            this.at(
              { kind: Kind.OBJECT_FIELD, name: this.name(c.Name), value: this.value(c.Value) },
              c.Position,
            ),
          ),
        };
        break;
      default:
        throw new GqlError(`unknown value kind ${v.Kind}`);
    }
    return this.at(node, v.Position);
  }

  args(args: { Name: string; Value?: GqlValue; Position?: Position }[] | undefined): Node[] {
    return (args ?? []).map((a) =>
      this.at(
        { kind: Kind.ARGUMENT, name: this.name(a.Name), value: this.value(a.Value) },
        a.Position,
      ),
    );
  }

  directives(ds: Directive[] | undefined): Node[] {
    return (ds ?? []).map((d) =>
      this.at(
        { kind: Kind.DIRECTIVE, name: this.name(d.Name), arguments: this.args(d.Arguments) },
        d.Position,
      ),
    );
  }

  selectionSet(sels: Selection[] | undefined): Node {
    return { kind: Kind.SELECTION_SET, selections: (sels ?? []).map((s) => this.selection(s)) };
  }

  selection(s: Selection): Node {
    switch (s.kind) {
      case 'Field':
        return this.at(
          {
            kind: Kind.FIELD,
            alias: s.Alias !== '' && s.Alias !== s.Name ? this.name(s.Alias) : undefined,
            name: this.name(s.Name),
            arguments: this.args(s.Arguments),
            directives: this.directives(s.Directives),
            selectionSet: s.SelectionSet ? this.selectionSet(s.SelectionSet) : undefined,
          },
          s.Position,
        );
      case 'FragmentSpread':
        return this.at(
          {
            kind: Kind.FRAGMENT_SPREAD,
            name: this.name(s.Name),
            directives: this.directives(s.Directives),
          },
          s.Position,
        );
      default:
        return this.at(
          {
            kind: Kind.INLINE_FRAGMENT,
            typeCondition:
              s.TypeCondition !== ''
                ? { kind: Kind.NAMED_TYPE, name: this.name(s.TypeCondition) }
                : undefined,
            directives: this.directives(s.Directives),
            selectionSet: this.selectionSet(s.SelectionSet),
          },
          s.Position,
        );
    }
  }

  varDefs(vs: VariableDefinition[] | undefined): Node[] {
    return (vs ?? []).map((v) =>
      this.at(
        {
          kind: Kind.VARIABLE_DEFINITION,
          variable: { kind: Kind.VARIABLE, name: this.name(v.Variable) },
          type: this.type(v.Type),
          defaultValue: v.DefaultValue ? this.value(v.DefaultValue) : undefined,
          directives: this.directives(v.Directives),
        },
        v.Position,
      ),
    );
  }

  document(doc: QueryDocument): DocumentNode {
    const definitions: Node[] = [];
    for (const op of doc.Operations ?? []) {
      const operation = op.Operation === '' ? 'query' : op.Operation;
      definitions.push(
        this.at(
          {
            kind: Kind.OPERATION_DEFINITION,
            operation,
            name: op.Name !== '' ? this.name(op.Name) : undefined,
            variableDefinitions: this.varDefs(op.VariableDefinitions),
            directives: this.directives(op.Directives),
            selectionSet: this.selectionSet(op.SelectionSet),
          },
          op.Position,
        ),
      );
    }
    for (const f of doc.Fragments ?? []) {
      definitions.push(
        this.at(
          {
            kind: Kind.FRAGMENT_DEFINITION,
            name: this.name(f.Name),
            variableDefinitions: this.varDefs(f.VariableDefinition),
            typeCondition: { kind: Kind.NAMED_TYPE, name: this.name(f.TypeCondition) },
            directives: this.directives(f.Directives),
            selectionSet: this.selectionSet(f.SelectionSet),
          },
          f.Position,
        ),
      );
    }
    return { kind: Kind.DOCUMENT, definitions } as unknown as DocumentNode;
  }
}

const RULES = specifiedRules.filter((r) => r !== MaxIntrospectionDepthRule);

/** The query's validation errors against the schema, first first ([] when valid). */
export function validateQuery(schema: Schema, doc: QueryDocument): GqlError[] {
  const errors: GqlError[] = [];
  for (const op of doc.Operations ?? []) {
    const root =
      op.Operation === 'query' || op.Operation === ''
        ? schema.query
        : op.Operation === 'mutation'
          ? schema.mutation
          : op.Operation === 'subscription'
            ? schema.subscription
            : undefined;
    if (!['query', '', 'mutation', 'subscription'].includes(op.Operation)) {
      errors.push(new GqlError(`Unexpected Operation type ${quote(op.Operation)}`, op.Position));
    }
    if (!root) {
      errors.push(
        new GqlError(`Schema does not support operation type ${quote(op.Operation)}`, op.Position),
      );
    }
  }
  const conv = new QueryConverter();
  let gqlErrors: readonly GraphQLError[];
  try {
    gqlErrors = validate(graphqlJsSchema(schema), conv.document(doc), RULES);
  } catch (e) {
    errors.push(new GqlError(e instanceof Error ? e.message : String(e)));
    return errors;
  }
  for (const e of gqlErrors) {
    const node = e.nodes?.[0];
    errors.push(new GqlError(e.message, node ? conv.positions.get(node) : undefined));
  }
  return errors;
}
