import { UsageError } from '../exit-codes';
import { authorize, writeJson, writeLines, type Command, type CommandContext } from '../command';
import { ACCESS } from '../../service/access';
import { clusterServiceOf } from './cluster-options';

/** The data stream named, or `undefined` for `--all` (the whole-cluster upgrade); never both or neither. */
function target(context: CommandContext, command: string): string | undefined {
  const [dataStream, ...rest] = context.args;
  if (context.flags.cluster.all) {
    if (dataStream !== undefined)
      throw new UsageError(`${command} takes a data stream name or --all, not both`);
    return undefined;
  }
  if (dataStream === undefined || rest.length > 0) {
    throw new UsageError(`${command} needs one data stream name, or --all (the whole-cluster upgrade)`);
  }
  return dataStream;
}

export const pauseCommand: Command = {
  name: 'pause',
  arguments: '[data-stream]',
  options: ['all', 'now'],
  help: 'Forms:\n  ds-reindex pause <data-stream> [--now]\n  ds-reindex pause --all [--now]',
  summary:
    'pause an upgrade (or the cluster upgrade): nothing new starts; --now also stops the copies in flight',
  async run(context) {
    const dataStream = target(context, 'pause');
    const now = context.flags.cluster.now;
    let answer;
    if (dataStream === undefined) {
      const cluster = await clusterServiceOf(context);
      await authorize(context, ACCESS.clusterPause, await cluster.dataStreams());
      answer = await cluster.pause(now);
    } else {
      await authorize(context, ACCESS.pause, [dataStream]);
      answer = await (await context.connections.service()).pause(dataStream, now);
    }
    const what = dataStream === undefined ? 'the cluster upgrade' : `the upgrade of ${dataStream}`;
    if (context.flags.json) writeJson(context, answer);
    else
      writeLines(context, [
        now
          ? `Paused ${what}; the copies in flight stop and will resume where they were.`
          : `Paused ${what}; the copies in flight finish, nothing new starts.`,
      ]);
    return 0;
  },
};

export const resumeCommand: Command = {
  name: 'resume',
  arguments: '[data-stream]',
  options: ['all'],
  help: 'Forms:\n  ds-reindex resume <data-stream>\n  ds-reindex resume --all',
  summary: 'resume a paused upgrade (or the cluster upgrade); stopped copies continue where they were',
  async run(context) {
    const dataStream = target(context, 'resume');
    let answer;
    if (dataStream === undefined) {
      const cluster = await clusterServiceOf(context);
      await authorize(context, ACCESS.clusterResume, await cluster.dataStreams());
      answer = await cluster.resume();
    } else {
      await authorize(context, ACCESS.resume, [dataStream]);
      answer = await (await context.connections.service()).resume(dataStream);
    }
    if (context.flags.json) writeJson(context, answer);
    else
      writeLines(context, [
        dataStream === undefined ? 'Resumed the cluster upgrade.' : `Resumed the upgrade of ${dataStream}.`,
      ]);
    return 0;
  },
};
