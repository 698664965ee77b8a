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
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      // The dependency order, app isolation and index-only imports (eslint-boundaries.cjs).
      'nanopod/boundaries': 'error',
    },
  },
);
