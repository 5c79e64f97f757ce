import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

interface LintCase {
  filePath: string;
  code: string;
}

/**
 * Lints snippets as if they were files at the given paths, with the project's own eslint.config.mjs minus
 * type information (the snippets are not on disk). ESLint's config is ESM, which jest cannot load, so a
 * plain node process does the linting; returns the restricted-import messages of each snippet.
 */
function restrictedImportMessages(cases: readonly LintCase[]): string[][] {
  const script = `
    import { ESLint } from 'eslint';
    import tseslint from 'typescript-eslint';
    import { resolve } from 'node:path';
    const cases = JSON.parse(process.argv[1]);
    const eslint = new ESLint({ cwd: process.cwd(), overrideConfig: [tseslint.configs.disableTypeChecked] });
    const out = [];
    for (const { filePath, code } of cases) {
      const [result] = await eslint.lintText(code + '\\nexport {};\\n', { filePath: resolve(filePath) });
      out.push(result.messages.filter((m) => (m.ruleId ?? '').includes('no-restricted')).map((m) => m.message));
    }
    console.log(JSON.stringify(out));
  `;
  const output = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', script, JSON.stringify(cases)],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return JSON.parse(output) as string[][];
}

const refused: [string, string, RegExp][] = [
  ['src/workflows/x.ts', "import { loadConfig } from '../config';", /cannot read the environment/],
  [
    'src/workflows/x.ts',
    "import { createActivities } from '../activities';",
    /may not import src\/activities/,
  ],
  ['src/workflows/x.ts', "import { readFileSync } from 'node:fs';", /Node built-ins/],
  ['src/workflows/x.ts', "import { Client } from '@elastic/elasticsearch';", /only through activities/],
  // Only the tracing interceptors' own file may use the workflow half of Temporal's OpenTelemetry package.
  [
    'src/workflows/x.ts',
    "import { interceptors } from '@temporalio/interceptors-opentelemetry/lib/workflow';",
    /only through activities/,
  ],
  [
    'src/workflows/tracing-interceptors.ts',
    "import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';",
    /only through activities/,
  ],
  ['src/workflows/tracing-interceptors.ts', "import { readFileSync } from 'node:fs';", /Node built-ins/],
  [
    'src/shared/x.ts',
    "import { statusQuery } from '../workflows/definitions';",
    /may not import src\/workflows/,
  ],
  [
    'src/client/http-api/x.ts',
    "import { createReindexWorker } from '../../worker/create-worker';",
    /may not import src\/worker/,
  ],
  [
    'src/client/cli/commands/x.ts',
    "import { reindexDataStream } from '../../../workflows';",
    /may not import src\/workflows/,
  ],
  [
    'src/client/cli/x.ts',
    "import { apiRoutes } from '../http-api/server';",
    /may not import src\/client\/http-api/,
  ],
  ['src/client/service/x.ts', "import { runCli } from '../cli/main';", /may not import src\/client\/cli/],
  [
    'src/elasticsearch/x.ts',
    "import { ReindexService } from '../client/service/reindex-service';",
    /may not import src\/client\/service/,
  ],
  [
    'src/activities/x.ts',
    "import { ReindexService } from '../client/service/reindex-service';",
    /may not import src\/client\/service/,
  ],
  [
    'src/activities/x.ts',
    "import { startSandbox } from '@ds-reindex/es-sandbox';",
    /never imports the sandbox/,
  ],
  [
    'src/config.ts',
    "import { ReindexService } from './client/service/reindex-service';",
    /only reads the environment/,
  ],
];

const allowed: [string, string][] = [
  ['src/workflows/x.ts', "import type { Activities } from '../activities';"],
  ['src/workflows/x.ts', "import { proxyActivities } from '@temporalio/workflow';"],
  [
    'src/workflows/tracing-interceptors.ts',
    "import { OpenTelemetryInboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/workflow';",
  ],
  ['src/activities/x.ts', "import { indexProgressSignal } from '../workflows/definitions';"],
  ['src/client/http-api/x.ts', "import { ReindexService } from '../service/reindex-service';"],
  ['src/client/cli/commands/x.ts', "import { ACCESS } from '../../service/access';"],
  ['src/client/cli/x.ts', "import { loadConfig } from '../../config';"],
  ['src/worker/x.ts', "import { ReindexService } from '../client/service/reindex-service';"],
  ['src/worker/x.ts', "import { createActivities } from '../activities';"],
  ['src/config.ts', "import { WORKFLOW_TUNABLES } from './workflows/tunables';"],
];

describe('the dependency rule between layers (eslint.config.mjs)', () => {
  const messages = restrictedImportMessages([
    ...refused.map(([filePath, code]) => ({ filePath, code })),
    ...allowed.map(([filePath, code]) => ({ filePath, code })),
  ]);

  it.each(refused.map((entry, i) => [...entry, i] as const))(
    '%s: `%s` is refused',
    (_filePath, _code, reason, i) => {
      expect(messages[i]).toEqual(expect.arrayContaining([expect.stringMatching(reason)]));
    },
  );

  it.each(allowed.map((entry, i) => [...entry, refused.length + i] as const))(
    '%s: `%s` is allowed',
    (_filePath, _code, i) => {
      expect(messages[i]).toEqual([]);
    },
  );
});
