import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.nanopod/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'warn',
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
