import { writeJson, writeLines, type Command } from '../command';
import { duration } from '../output/numbers';
import { stateOf } from '../output/status-text';
import { renderTable } from '../output/table';
import { progressPercent, type ReindexDataStreamStatus } from '../../shared/status';

export const listCommand: Command = {
  name: 'list',
  usage: 'list',
  summary: 'list every upgrade that still has a status, with its state and progress',
  async run(context) {
    const service = await context.connections.service();
    const tasks = await service.list();
    const statuses = await Promise.all(
      tasks.map((task) =>
        service.status(task.data_stream).catch((): ReindexDataStreamStatus | undefined => undefined),
      ),
    );
    if (context.flags.json) {
      writeJson(
        context,
        tasks.map((task, i) => ({ ...task, status: statuses[i] ?? null })),
      );
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
