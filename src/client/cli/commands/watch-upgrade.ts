import { EXIT_CODES } from '../exit-codes';
import { writeLines, type CommandContext } from '../command';
import { LiveView } from '../output/live-view';
import { ProgressTracker } from '../output/progress-tracker';
import { errorLines, indexProgress, statusHeader, summaryTable } from '../output/status-text';
import type { ReindexDataStreamStatus } from '../../../shared/status';

/** The exit code a finished (or still running) status stands for. */
export function exitCodeOf(status: ReindexDataStreamStatus): number {
  return status.errors.length > 0 || status.exception !== undefined
    ? EXIT_CODES.COMPLETED_WITH_ERRORS
    : EXIT_CODES.OK;
}

/**
 * Polls the workflow's status until the upgrade completes: a live bar per index being copied (human
 * output), or one JSON status per line (`--json`), then the summary table.
 */
export async function watchUpgrade(context: CommandContext, dataStream: string): Promise<number> {
  const service = await context.connections.service();
  const tracker = new ProgressTracker();
  const view = new LiveView(context.out);
  for (;;) {
    const status = await service.status(dataStream);
    const now = context.now();
    tracker.update(status, now);
    if (context.flags.json) {
      context.out.write(`${JSON.stringify(status)}\n`);
    } else {
      view.draw([...statusHeader(dataStream, status, now), ...tracker.copying().map(indexProgress)]);
    }
    if (status.complete) {
      if (!context.flags.json)
        writeLines(context, ['', summaryTable(status, tracker.all()), ...errorLines(status)]);
      return exitCodeOf(status);
    }
    await context.sleep(context.flags.intervalMs);
  }
}
