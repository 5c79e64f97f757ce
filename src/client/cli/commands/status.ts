import { UsageError } from '../exit-codes';
import { runClusterStatus } from './cluster-run';
import { authorize, writeJson, writeLines, type Command } from '../command';
import { ACCESS } from '../../service/access';
import { ProgressTracker } from '../output/progress-tracker';
import { errorLines, indexProgressLine, statusHeader } from '../output/status-text';
import { exitCodeOf, watchUpgrade } from './watch-upgrade';

export const statusCommand: Command = {
  name: 'status',
  arguments: '[data-stream]',
  options: ['watch', 'intervalMs', 'all'],
  help: 'Forms:\n  ds-reindex status <data-stream> [--watch]\n  ds-reindex status --all [--watch]',
  summary: "show an upgrade's status (GET /_migration/reindex/<ds>/_status); --watch follows it live",
  async run(context) {
    if (context.flags.cluster.all) return runClusterStatus(context);
    const [dataStream] = context.args;
    if (dataStream === undefined) throw new UsageError('status needs a data stream name');
    await authorize(context, ACCESS.status, [dataStream]);
    if (context.flags.watch) return watchUpgrade(context, dataStream);
    const status = await (await context.connections.service()).status(dataStream);
    if (context.flags.json) {
      writeJson(context, status);
    } else {
      const now = context.now();
      const tracker = new ProgressTracker();
      tracker.update(status, now);
      writeLines(context, [
        ...statusHeader(dataStream, status, now),
        ...tracker.copying().map(indexProgressLine),
        ...errorLines(status),
      ]);
    }
    return exitCodeOf(status);
  },
};
