// @ts-check
import { builtinModules } from 'node:module';
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import sonarjs from 'eslint-plugin-sonarjs';

/*
 * The dependency rule (docs/ARCHITECTURE.md): each folder of src/ is a layer (src/client holds the three
 * Temporal clients, each a layer) and may import only the layers listed for it. Workflow code (src/workflows, src/shared) runs in Temporal's deterministic sandbox:
 * a Node built-in or an I/O client anywhere in its import graph crashes the worker at start, and tsc does
 * not notice, so it may reach only itself, `@temporalio/workflow` and `@temporalio/common`.
 */
const LAYERS = [
  'shared',
  'workflows',
  'elasticsearch',
  'activities',
  'client/service',
  'observability',
  'client/http-api',
  'client/cli',
  'worker',
];

/** @type {Record<string, { may: string[], typesFrom?: string[], config: boolean, workflowSafe?: boolean }>} */
const ALLOWED = {
  shared: { may: [], config: false, workflowSafe: true },
  workflows: { may: ['shared'], typesFrom: ['activities'], config: false, workflowSafe: true },
  elasticsearch: { may: ['shared'], config: true },
  activities: { may: ['shared', 'elasticsearch', 'workflows'], config: true },
  'client/service': { may: ['shared', 'elasticsearch', 'workflows'], config: true },
  // Logs and health endpoints, for the three processes only: activities and workflows log through Temporal.
  observability: { may: ['shared'], config: true },
  'client/http-api': { may: ['shared', 'elasticsearch', 'client/service', 'observability'], config: true },
  'client/cli': { may: ['shared', 'elasticsearch', 'client/service', 'observability'], config: true },
  // The service reads statuses for the worker's metrics, as the API reads them for `_status`.
  worker: {
    may: ['shared', 'elasticsearch', 'activities', 'workflows', 'client/service', 'observability'],
    config: true,
  },
};

/** What of `target`'s path a relative import from `layer` names after its `../`s: `client/service` from `worker`, `service` from `client/cli`. */
function pathFrom(layer, target) {
  const from = layer.split('/');
  const to = target.split('/');
  let common = 0;
  while (common < from.length - 1 && from[common] === to[common]) common += 1;
  return to.slice(common).join('/');
}

/** Matches a relative import that leaves `layer`'s folder for `target` (`../service/x`, `../../shared`). */
const layerImport = (layer, target) => `^(\\.\\./)+${pathFrom(layer, target)}(/.*)?$`;
const nodeBuiltin = `^(node:)?(${builtinModules.map((name) => name.replace(/[/]/g, '\\/')).join('|')})(\\/.*)?$`;

/**
 * Packages one workflow-code file may import besides `@temporalio/workflow` and `@temporalio/common`:
 * the workflow half of Temporal's OpenTelemetry interceptors, made for the sandbox (its other halves
 * use Node and stay out of workflow code).
 */
const WORKFLOW_PACKAGE_EXCEPTIONS = {
  'src/workflows/tracing-interceptors.ts': ['@temporalio/interceptors-opentelemetry/lib/workflow'],
};

const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function layerRule(layer, file = undefined) {
  const extraPackages = file ? WORKFLOW_PACKAGE_EXCEPTIONS[file] : [];
  const allowed = ALLOWED[layer];
  const patterns = LAYERS.filter((other) => other !== layer && !allowed.may.includes(other)).map((other) => ({
    regex: layerImport(layer, other),
    message: `src/${layer} may not import src/${other} (the dependency rule in docs/ARCHITECTURE.md).`,
    allowTypeImports: allowed.typesFrom?.includes(other) ?? false,
  }));
  patterns.push({
    regex: '^@ds-reindex/es-sandbox',
    message: 'The product never imports the sandbox: it is a test double (packages/es-sandbox).',
    allowTypeImports: false,
  });
  if (!allowed.config) {
    patterns.push({
      regex: layerImport(layer, 'config').replace('(/.*)?', ''),
      message: `src/${layer} is workflow code: it cannot read the environment (constants live in src/workflows/tunables.ts).`,
      allowTypeImports: false,
    });
  }
  if (allowed.workflowSafe) {
    patterns.push(
      {
        regex: nodeBuiltin,
        message:
          'Workflow code must be deterministic: Node built-ins are not available in the workflow sandbox.',
        allowTypeImports: false,
      },
      {
        regex: `^(?!\\.|@temporalio/(workflow|common)$${extraPackages.map((name) => `|${escapeRegex(name)}$`).join('')})`,
        message:
          'Workflow code talks to the outside only through activities: only @temporalio/workflow and @temporalio/common.',
        allowTypeImports: false,
      },
    );
  }
  return {
    files: file ? [file] : [`src/${layer}/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
      ...(allowed.workflowSafe ? { 'no-restricted-globals': ['error', 'process', 'Buffer'] } : {}),
    },
  };
}

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
  ...LAYERS.map((layer) => layerRule(layer)),
  ...Object.keys(WORKFLOW_PACKAGE_EXCEPTIONS).map((file) => layerRule('workflows', file)),
  {
    // config.ts reads the environment; it may know the workflows' constants, nothing else of src.
    files: ['src/config.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\./(?!workflows/tunables$)', message: 'config.ts only reads the environment.' },
            { regex: '^@ds-reindex/es-sandbox', message: 'The product never imports the sandbox.' },
          ],
        },
      ],
    },
  },
  {
    // Test workflows are bundled like the real ones.
    files: ['test/fixtures/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: nodeBuiltin, message: 'No Node built-ins in workflow code.' }] },
      ],
      'no-restricted-globals': ['error', 'process', 'Buffer'],
    },
  },
  {
    // Small functions: each one a named step a reader can follow on one screen. Blank lines and comments
    // do not count; a factory's methods count towards the factory, so big ones are split by concern.
    files: ['src/**/*.ts'],
    plugins: { sonarjs },
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      'sonarjs/cognitive-complexity': ['error', 15],
    },
  },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['jest.config.js'], languageOptions: { globals: { module: 'writable' } } },
  prettier,
);
