import { compilePolicy } from '../../src';
import { call } from './call';

const SCHEMA = `
  type Employee {
    id: String!
    salary: Int!
  }
  schema { query: Query }
  type Query {
    employeeByID(id: String): Employee
  }
`;

describe('graphql built-ins', () => {
  it('parses a query into gqlparser-shaped objects with nulls and positions pruned', () => {
    expect(
      call(
        'graphql.parse_query',
        'query Q($id: [ID!]! = ["a"]) { e: employeeByID(id: $id) { salary } }',
      ),
    ).toEqual({
      Operations: [
        {
          Name: 'Q',
          Operation: 'query',
          VariableDefinitions: [
            {
              Variable: 'id',
              Used: false,
              Type: { NamedType: '', NonNull: true, Elem: { NamedType: 'ID', NonNull: true } },
              DefaultValue: {
                Raw: '',
                Kind: 8,
                ExpectedTypeHasDefault: false,
                Children: [
                  { Name: '', Value: { Raw: 'a', Kind: 3, ExpectedTypeHasDefault: false } },
                ],
              },
            },
          ],
          SelectionSet: [
            {
              Alias: 'e',
              Name: 'employeeByID',
              Arguments: [
                { Name: 'id', Value: { Raw: 'id', Kind: 0, ExpectedTypeHasDefault: false } },
              ],
              SelectionSet: [{ Alias: 'salary', Name: 'salary' }],
            },
          ],
        },
      ],
    });
  });

  it('parses schemas with descriptions, block strings dedented, and extensions kept apart', () => {
    const ast = call(
      'graphql.parse_schema',
      '"""\n    Doc\n      indented\n    """\ntype A { f: Int }\nextend type A { g: String }',
    ) as Record<string, Array<Record<string, unknown>>>;
    expect(ast.Definitions[0]).toMatchObject({
      Kind: 'OBJECT',
      Name: 'A',
      Description: 'Doc\n  indented',
      BuiltIn: false,
    });
    expect(ast.Extensions[0]).toMatchObject({ Kind: 'OBJECT', Name: 'A', Description: '' });
  });

  it('reports a lexer error as gqlparser does: an unexpected <Invalid> token at the error column', () => {
    expect(() => call('graphql.parse_query', '{ f(a: "x) }')).toThrow(
      'graphql.parse_query: Unexpected <Invalid> in GraphQL string at location 1:13',
    );
    expect(() => call('graphql.parse_query', '{ é }')).toThrow(
      'Expected Name, found <Invalid> in GraphQL string at location 1:3',
    );
    expect(() => call('graphql.parse_query', 'query { f(a: 012) }')).toThrow(
      'Unexpected <Invalid> in GraphQL string at location 1:15',
    );
    expect(() => call('graphql.parse_schema', 'type A { f: 1 }')).toThrow(
      'Expected Name, found Int in GraphQL string at location 1:13',
    );
    expect(() => call('graphql.parse_query', 'query { f(a: "\u00e9 \\n") }')).not.toThrow();
    expect(call('graphql.parse_query', '{ f(a: "\u00e9\tb") }')).toMatchObject({
      Operations: [{ SelectionSet: [{ Arguments: [{ Value: { Raw: 'é\tb', Kind: 3 } }] }] }],
    });
  });

  it('validates queries against schemas given as strings or as parsed objects', () => {
    const schemaAst = call('graphql.parse_schema', SCHEMA);
    const queryAst = call('graphql.parse_query', '{ employeeByID(id: "alice") { salary } }');
    expect(call('graphql.is_valid', '{ employeeByID(id: "alice") { salary } }', SCHEMA)).toBe(true);
    expect(call('graphql.is_valid', queryAst, schemaAst)).toBe(true);
    expect(call('graphql.is_valid', '{ employeeByID { nope } }', SCHEMA)).toBe(false);
    expect(call('graphql.is_valid', 'mutation { x }', SCHEMA)).toBe(false);
    expect(call('graphql.is_valid', 42, SCHEMA)).toBe(false);
    expect(call('graphql.parse_and_verify', '{ employeeByID { id } }', SCHEMA)).toEqual([
      true,
      call('graphql.parse_query', '{ employeeByID { id } }'),
      schemaAst,
    ]);
    expect(call('graphql.parse_and_verify', '{ nope }', SCHEMA)).toEqual([false, {}, {}]);
  });

  it('raises the first validation error with its position in the query', () => {
    expect(() => call('graphql.parse', '{\n  employeeByID { wage }\n}', SCHEMA)).toThrow(
      'graphql.parse: Cannot query field "wage" on type "Employee" in GraphQL string at location 2:18',
    );
  });

  it('checks schemas with gqlparser rules', () => {
    expect(call('graphql.schema_is_valid', 'extend type Query { a: Int }')).toBe(true);
    expect(call('graphql.schema_is_valid', 'type A { f: Missing }')).toBe(false);
    expect(call('graphql.schema_is_valid', 'type A { f: Int }\ntype A { g: Int }')).toBe(false);
    expect(
      call('graphql.schema_is_valid', 'interface I { a: Int }\ntype T implements I { b: Int }'),
    ).toBe(false);
    expect(call('graphql.schema_is_valid', 'type T { a: Int @deprecated(reason: "old") }')).toBe(
      true,
    );
    expect(call('graphql.schema_is_valid', 'type T { a: Int @unknown }')).toBe(false);
    expect(call('graphql.schema_is_valid', 'type __T { a: Int }')).toBe(false);
    expect(call('graphql.schema_is_valid', 'input I { o: Out }\ntype Out { a: Int }')).toBe(false);
  });

  it('works from Rego through the evaluator', () => {
    const policy = compilePolicy([
      {
        path: 'gql.rego',
        source: [
          'package gql',
          `schema := \`${SCHEMA}\``,
          'ops := [op.Operation | some op in graphql.parse_query("mutation M { a } query { b }").Operations]',
          'ok := graphql.is_valid("{ employeeByID { id } }", schema)',
        ].join('\n'),
      },
    ]);
    expect(policy.evaluate('data.gql.ops')).toEqual(['mutation', 'query']);
    expect(policy.evaluate('data.gql.ok')).toBe(true);
  });
});
