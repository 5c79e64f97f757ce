import { UsageError } from '../exit-codes';
import { runClusterStart } from './cluster-run';
import { authorize, writeJson, writeLines, type Command } from '../command';
import { ACCESS } from '../../service/access';
import { watchUpgrade } from './watch-upgrade';
import { invalidVerifyModeReason, parseVerifyMode, type VerifyMode } from '../../../shared/verify-mode';

/** `--verify`, checked: a mode that is none is a usage error. */
function verifyModeOfFlag(flag: string | undefined): VerifyMode | undefined {
  if (flag === undefined) return undefined;
  const mode = parseVerifyMode(flag);
  if (mode === undefined) throw new UsageError(invalidVerifyModeReason('--verify', flag));
  return mode;
}

export const startCommand: Command = {
  name: 'start',
  arguments: '[data-stream]',
  options: [
    'wait',
    'intervalMs',
    'all',
    'pattern',
    'maxDataStreams',
    'readOnly',
    'readOnlyOlderThan',
    'includeSystem',
    'indices',
    'reindexReadOnly',
    'window',
    'verify',
    'allowDiskRisk',
  ],
  help: "Forms:\n  ds-reindex start <data-stream> [--verify count|ids|content] [--allow-disk-risk] [--wait]\n  ds-reindex start --all [--pattern <glob>] [--indices <pattern>] [--reindex-read-only] [--window '01:00-05:00 Europe/Berlin'] [--wait]",
  summary: 'start upgrading a data stream (POST /_migration/reindex); --wait follows it to the end',
  async run(context) {
    if (context.flags.cluster.all) return runClusterStart(context);
    const [dataStream] = context.args;
    if (dataStream === undefined) throw new UsageError('start needs a data stream name');
    await authorize(context, ACCESS.start, [dataStream]);
    const service = await context.connections.service();
    const verify = verifyModeOfFlag(context.flags.verify);
    const answer = await service.start(context.connections.es(), dataStream, {
      ...(verify ? { verify } : {}),
      allowDiskRisk: context.flags.allowDiskRisk,
    });
    if (!context.flags.wait) {
      if (context.flags.json) writeJson(context, answer);
      else
        writeLines(context, [
          `Started upgrading ${dataStream}. Follow it with: ds-reindex status ${dataStream} --watch`,
        ]);
      return 0;
    }
    return watchUpgrade(context, dataStream);
  },
};
