import { UsageError } from '../exit-codes';
import { writeJson, writeLines, type Command, type CommandContext } from '../command';
import { clusterServiceOf } from './cluster-options';

function requireAll(context: CommandContext, command: string): void {
  if (!context.flags.cluster.all || context.args.length > 0) {
    throw new UsageError(`${command} needs --all (the whole-cluster upgrade)`);
  }
}

export const pauseCommand: Command = {
  name: 'pause',
  usage: 'pause --all [--now]',
  summary: 'pause the cluster upgrade: nothing new starts; --now also stops the copies in flight',
  async run(context) {
    requireAll(context, 'pause');
    const now = context.flags.cluster.now;
    const answer = await (await clusterServiceOf(context)).pause(now);
    if (context.flags.json) writeJson(context, answer);
    else
      writeLines(context, [
        now
          ? 'Paused the cluster upgrade; the copies in flight stop and will resume where they were.'
          : 'Paused the cluster upgrade; the copies in flight finish, nothing new starts.',
      ]);
    return 0;
  },
};

export const resumeCommand: Command = {
  name: 'resume',
  usage: 'resume --all',
  summary: 'resume a paused cluster upgrade; stopped copies continue where they were',
  async run(context) {
    requireAll(context, 'resume');
    const answer = await (await clusterServiceOf(context)).resume();
    if (context.flags.json) writeJson(context, answer);
    else writeLines(context, ['Resumed the cluster upgrade.']);
    return 0;
  },
};
