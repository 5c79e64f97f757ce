import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { JsonLogger } from './json-logger';
import { upgradeOfWorkflowId } from './upgrade-of-workflow';

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Logs a Temporal call on one workflow at DEBUG: what, which workflow (and so which data stream), how long. */
async function logged<T>(
  logger: JsonLogger,
  call: string,
  workflowId: string,
  fields: Record<string, unknown>,
  run: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  const base = { call, workflowId, ...upgradeOfWorkflowId(workflowId), ...fields };
  try {
    const result = await run();
    logger.debug(`temporal ${call} ${workflowId}`, { ...base, durationMs: Date.now() - started });
    return result;
  } catch (err) {
    logger.debug(`temporal ${call} ${workflowId} failed`, {
      ...base,
      durationMs: Date.now() - started,
      error: errorMessage(err),
    });
    throw err;
  }
}

/** A Temporal client interceptor that logs every workflow call (start, signal, query, describe, cancel). */
export function workflowCallLogging(logger: JsonLogger): WorkflowClientInterceptor {
  return {
    start: (input, next) =>
      logged(logger, 'start', input.options.workflowId, { workflowType: input.workflowType }, () =>
        next(input),
      ),
    signal: (input, next) =>
      logged(logger, 'signal', input.workflowExecution.workflowId, { signal: input.signalName }, () =>
        next(input),
      ),
    query: (input, next) =>
      logged(logger, 'query', input.workflowExecution.workflowId, { query: input.queryType }, () =>
        next(input),
      ),
    describe: (input, next) =>
      logged(logger, 'describe', input.workflowExecution.workflowId, {}, () => next(input)),
    cancel: (input, next) =>
      logged(logger, 'cancel', input.workflowExecution.workflowId, {}, () => next(input)),
  };
}

/** Logs every request the client sends to Elasticsearch at DEBUG: method, path, status, attempts. */
export function logElasticsearchRequests(client: ElasticsearchClient, logger: JsonLogger): void {
  client.diagnostic.on('response', (err, result) => {
    const params = result?.meta.request.params;
    logger.debug(`elasticsearch ${params?.method ?? '?'} ${params?.path ?? '?'}`, {
      method: params?.method,
      path: params?.path,
      status: result?.statusCode,
      attempts: result?.meta.attempts,
      ...(err ? { error: err.message } : {}),
    });
  });
}
