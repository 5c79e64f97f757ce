import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowBundleOptions } from '../../src/worker/workflow-modules';

const ROOT = resolve(__dirname, '../..');
/** Bundles made by earlier test files of this checkout; under .data, which git ignores. */
const CACHE_DIR = join(ROOT, '.data', 'workflow-bundles');
/** What a workflow bundle can be made of: the project's code, the tests' fixtures, the locked packages. */
const INPUTS = ['src', 'test', 'package-lock.json'];

/** `path` itself if it is a file, else every file under it, in a stable order. */
function filesAt(path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** A key that changes whenever any file a bundle could include changes, and with the modules bundled. */
function bundleKey(workflowsPath: string): string {
  const hash = createHash('sha256').update(JSON.stringify(workflowBundleOptions(workflowsPath)));
  for (const input of INPUTS) {
    for (const file of filesAt(join(ROOT, input))) hash.update(file).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 32);
}

/**
 * The workflow bundle of `workflowsPath`, made once per checkout and source state rather than once per
 * test file: bundling takes 5 to 10 s on a busy machine, and some 45 test files across the tiers need
 * the same bundle. Written to a temporary name and renamed, so a reader never sees half a bundle.
 */
export async function cachedWorkflowBundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  const file = join(CACHE_DIR, `${bundleKey(workflowsPath)}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as WorkflowBundleWithSourceMap;
  // With the worker's interceptor modules, whatever the workflows: tests run and replay what the worker does.
  const bundle = await bundleWorkflowCode({
    ...workflowBundleOptions(workflowsPath),
    logger: new DefaultLogger('WARN'),
  });
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify({ code: bundle.code, sourceMap: bundle.sourceMap }));
  renameSync(partial, file);
  return bundle;
}
