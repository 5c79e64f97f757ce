import { ok, queryBool, queryTime, type SandboxRequest } from '../http/request';
import type { Router } from '../http/router';
import type { TaskManager } from '../engine/tasks';
import { wildcardToRegExp } from '../state/resolve';

export function registerTasks(router: Router, tasks: TaskManager): void {
  router
    .add('GET', '/_tasks', (req: SandboxRequest) => {
      const actions = (req.query.get('actions') ?? '*').split(',').map(wildcardToRegExp);
      const matching = [...tasks.running.values()].filter((t) => actions.some((re) => re.test(t.job.action)));
      return ok(tasks.nodesBody(matching, queryBool(req, 'detailed', false)));
    })
    .add('GET', '/_tasks/{task_id}', async (req) => {
      const id = req.params.task_id ?? '';
      if (queryBool(req, 'wait_for_completion', false)) {
        tasks.get(id);
        await tasks.waitFor(id, queryTime(req, 'timeout', 30_000));
      }
      return ok(tasks.get(id));
    })
    .add('POST', '/_tasks/{task_id}/_cancel', (req) => {
      const task = tasks.require(req.params.task_id ?? '', 'is not found');
      task.job.cancel('by user request');
      return ok(tasks.nodesBody([task], true));
    });
}
