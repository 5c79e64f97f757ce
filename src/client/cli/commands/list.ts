import { allowedNames, writeJson, writeLines, type Command } from '../command';
import { ACCESS } from '../../service/access';
import { duration } from '../output/numbers';
import { stateOf } from '../output/status-text';
import { renderTable } from '../output/table';
import { progressPercent, type ReindexDataStreamStatus } from '../../../shared/status';

export const listCommand: Command = {
  name: 'list',
  options: [],
  summary: 'list every upgrade that still has a status, with its state and progress',
  async run(context) {
    const service = await context.connections.service();
    // Only the upgrades of data streams these credentials manage, as the HTTP API lists them.
    const all = await service.list();
    const allowed = await allowedNames(
      context,
      ACCESS.list,
      all.map((task) => task.data_stream),
    );
    const tasks = all.filter((task) => allowed.has(task.data_stream));
    const statuses = await Promise.all(
      tasks.map((task) =>
        service.status(task.data_stream).catch((): ReindexDataStreamStatus | undefined => undefined),
      ),
    );
    if (context.flags.json) {
      const entries = tasks.map((task, i) => ({ ...task, status: statuses[i] ?? null }));
      // jsonl lists one upgrade a line, as `temporal workflow list -o jsonl` lists workflows.
      if (context.flags.output === 'jsonl') for (const entry of entries) writeJson(context, entry);
      else writeJson(context, entries);
      return 0;
    }
    if (tasks.length === 0) {
      writeLines(context, ['No upgrades.']);
      return 0;
    }
    const now = context.now();
    const rows = tasks.map((task, i) => {
      const status = statuses[i];
      return [
        task.data_stream,
        status ? stateOf(status) : task.state,
        status ? `${progressPercent(status)}%` : '-',
        status ? `${status.successes}/${status.total_indices_requiring_upgrade}` : '-',
        status ? String(status.errors.length) : '-',
        `${duration(now - task.start_time_millis)} ago`,
      ];
    });
    writeLines(context, [
      renderTable(['data stream', 'state', 'progress', 'indices', 'errors', 'started'], rows),
    ]);
    return 0;
  },
};
