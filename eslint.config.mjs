import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from './eslint-boundaries.cjs';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.nanopod/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { nanopod: boundaries.plugin },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'warn',
      // The dependency order, app isolation and index-only imports (eslint-boundaries.cjs).
      'nanopod/boundaries': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/libs/*/src/*', '@nanopod/*/*'],
              message: 'Import another lib only through its index (@nanopod/<lib>).',
            },
          ],
        },
      ],
    },
  },
  {
    // The engine is a library of its own: no framework, no database, no other lib.
    files: ['libs/rego/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', 'typeorm', 'typeorm/*'],
              message: 'libs/rego is framework-free: no Nest, no database.',
            },
            {
              group: ['@nanopod/*', '**/libs/*/src', '**/libs/*/src/*'],
              message: 'libs/rego imports no other lib.',
            },
          ],
        },
      ],
    },
  },
);
