import { EsError, illegalArgument } from '../http/errors';
import { formatTimeValue, ok, queryBool, queryTime, type SandboxRequest } from '../http/request';
import type { Router } from '../http/router';
import type { TaskManager } from '../engine/tasks';
import { wildcardToRegExp } from '../state/resolve';

export function registerTasks(router: Router, tasks: TaskManager): void {
  router
    .add('GET', '/_tasks', (req: SandboxRequest) => {
      const actions = (req.query.get('actions') ?? '*').split(',').map(wildcardToRegExp);
      const matching = [...tasks.running.values()].filter((t) => actions.some((re) => re.test(t.job.action)));
      const detailed = queryBool(req, 'detailed', false);
      const groupBy = req.query.get('group_by') ?? 'nodes';
      // group_by=none is a flat list and group_by=parents a map by id, as ES's ListTasksResponse renders them.
      if (groupBy === 'none') return ok({ tasks: matching.map((t) => tasks.info(t, detailed)) });
      if (groupBy === 'parents')
        return ok({ tasks: Object.fromEntries(matching.map((t) => [t.id, tasks.info(t, detailed)])) });
      if (groupBy !== 'nodes') throw illegalArgument(`unknown group_by value [${groupBy}]`);
      return ok(tasks.nodesBody(matching, detailed));
    })
    .add('GET', '/_tasks/{task}', async (req) => {
      const id = req.params.task ?? '';
      if (queryBool(req, 'wait_for_completion', false)) {
        tasks.get(id);
        const timeoutMs = queryTime(req, 'timeout', 30_000);
        // A task still running when the wait times out is 8.19's 500 `timeout_exception`, not its status.
        if (!(await tasks.waitFor(id, timeoutMs))) {
          const timeout = formatTimeValue(timeoutMs);
          throw new EsError(
            500,
            'timeout_exception',
            `timed out after [${timeout}/${Math.round(timeoutMs)}ms]`,
          );
        }
      }
      return ok(tasks.get(id));
    })
    .add('POST', '/_tasks/{task}/_cancel', (req) => {
      const id = req.params.task ?? '';
      const task = tasks.find(id);
      if (!task) return ok(tasks.unknownTaskBody(id, 'is not found'));
      task.job.cancel('by user request');
      return ok(tasks.nodesBody([task], true));
    });
}
