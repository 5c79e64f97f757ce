import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
/** The `ds-reindex` executable (package.json "bin"), as a user runs it. */
export const CLI_EXECUTABLE = resolve(ROOT, 'src/client/cli/ds-reindex');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `ds-reindex` as a user would, in a process of its own, with only `PATH` and `env` in its
 * environment: nothing of the test process's own (credentials included) leaks in.
 */
export function runCliProcess(args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(CLI_EXECUTABLE, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** What `runCliOn` needs of a test harness: its Temporal server, task queue and Elasticsearch. */
interface CliTarget {
  env: { address: string };
  taskQueue: string;
  target: { url: string };
}

/**
 * `ds-reindex` against the harness's Temporal server, task queue and Elasticsearch (with the cluster's
 * CA, when the tests run against one), and `env` on top: the credentials, or nothing.
 */
export function runCliOn(
  harness: CliTarget,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  return runCliProcess(args, {
    TEMPORAL_ADDRESS: harness.env.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: harness.taskQueue,
    ES_URL: harness.target.url,
    // Empty reads as unset: the sandbox needs no CA.
    ES_CA_FILE: process.env.ES_CA_FILE ?? '',
    ...env,
  });
}
