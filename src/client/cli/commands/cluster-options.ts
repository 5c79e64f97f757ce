import { UsageError } from '../exit-codes';
import type { CommandContext } from '../command';
import {
  InvalidClusterOptionError,
  parseClusterOptions,
  type ClusterOptions,
  type RawClusterOptions,
} from '../../service/cluster-plan';
import { ClusterUpgradeService } from '../../service/cluster-upgrade-service';

/** How the CLI flags name the options, for usage errors. */
const FLAG_NAMES: Record<keyof RawClusterOptions, string> = {
  pattern: '--pattern',
  includeSystem: '--include-system',
  readOnly: '--read-only',
  readOnlyOlderThan: '--read-only-older-than',
  ilmHorizon: '--ilm-horizon',
  maxDataStreams: '--max-data-streams',
  window: '--window',
  verify: '--verify',
  indices: '--indices',
  reindexReadOnly: '--reindex-read-only',
};

/** The cluster options from the command line, checked: a bad value is a usage error. */
export function clusterOptionsOf(context: CommandContext): ClusterOptions {
  const flags = context.flags.cluster;
  if (context.args.length > 0) {
    throw new UsageError(`--all takes no data stream name; to pick data streams use --pattern <glob>`);
  }
  try {
    return parseClusterOptions(
      {
        pattern: flags.pattern,
        includeSystem: flags.includeSystem,
        readOnly: flags.readOnly,
        readOnlyOlderThan: flags.readOnlyOlderThan,
        ilmHorizon: flags.ilmHorizon,
        maxDataStreams: flags.maxDataStreams,
        window: flags.window,
        verify: context.flags.verify,
        indices: flags.indices,
        reindexReadOnly: flags.reindexReadOnly,
      },
      FLAG_NAMES,
    );
  } catch (err) {
    if (err instanceof InvalidClusterOptionError) throw new UsageError(err.message);
    throw err;
  }
}

export async function clusterServiceOf(context: CommandContext): Promise<ClusterUpgradeService> {
  return new ClusterUpgradeService(await context.connections.service());
}
