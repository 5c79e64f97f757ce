import { UsageError } from '../exit-codes';
import { runClusterCancel } from './cluster-run';
import { authorize, writeJson, writeLines, type Command } from '../command';
import { ACCESS } from '../../service/access';

export const cancelCommand: Command = {
  name: 'cancel',
  arguments: '[data-stream]',
  options: ['all'],
  help: 'Forms:\n  ds-reindex cancel <data-stream>\n  ds-reindex cancel --all',
  summary: 'cancel an upgrade (POST /_migration/reindex/<ds>/_cancel); unfinished indices are rolled back',
  async run(context) {
    if (context.flags.cluster.all) return runClusterCancel(context);
    const [dataStream] = context.args;
    if (dataStream === undefined) throw new UsageError('cancel needs a data stream name');
    await authorize(context, ACCESS.cancel, [dataStream]);
    const answer = await (await context.connections.service()).cancel(dataStream);
    if (context.flags.json) writeJson(context, answer);
    else writeLines(context, [`Cancelled the upgrade of ${dataStream}.`]);
    return 0;
  },
};
