// @ts-check
import { builtinModules } from 'node:module';
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// Workflow code runs in Temporal's deterministic sandbox: a Node built-in anywhere in its import graph
// crashes the worker at start, and tsc does not notice. Everything under src/workflows and src/shared
// is reachable from workflows, so both are held to this rule.
const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`, `${name}/*`, `node:${name}/*`]);

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', '.data/', 'coverage/', 'test/histories/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', '*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src/workflows/**/*.ts', 'src/shared/**/*.ts', 'test/fixtures/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins
            .filter((n) => !n.endsWith('/*'))
            .map((name) => ({
              name,
              message:
                'Workflow code must be deterministic: Node built-ins are not available in the workflow sandbox.',
            })),
          patterns: [
            {
              group: nodeBuiltins.filter((n) => n.endsWith('/*')),
              message: 'No Node built-ins in workflow code.',
            },
            {
              group: ['@temporalio/activity', '@temporalio/worker', '@temporalio/client', '@elastic/*'],
              message: 'Workflow code talks to the outside only through activities.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'Buffer'],
    },
  },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['jest.config.js'], languageOptions: { globals: { module: 'writable' } } },
  prettier,
);
