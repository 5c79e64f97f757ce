import type { SourceFacts } from '../activities/source-facts';

/** Which steps of one index's upgrade had started (so may have taken effect) when it failed. */
export interface StepsStarted {
  /** `openSourceAndClearBlocks`: a closed source may be open, its `metadata`/`read_only` blocks lifted. */
  sourceOpened: boolean;
  /** `blockSourceWrites`: the source may carry `index.blocks.write: true`. */
  writesBlocked: boolean;
  /** `deleteStaleDestination` onwards: a partial destination may exist. */
  destinationTouched: boolean;
  /** `swapBackingIndex`: the destination may already have replaced the source in the data stream. */
  swapAttempted: boolean;
}

export interface RollbackFailure {
  /** `''` for a standalone index (its switch is an alias, not a data stream's backing index). */
  dataStream: string;
  sourceIndex: string;
  destinationIndex: string;
  facts: SourceFacts;
  steps: StepsStarted;
  /** Why the index failed, as the operator should read it. */
  failure: string;
  /** Why putting it back failed. */
  rollbackFailure: string;
}

/** `index.blocks.*` values that put back what the upgrade may have changed; empty when nothing changed. */
function blocksToRestore(facts: SourceFacts, steps: StepsStarted): Record<string, true | null> {
  const settings: Record<string, true | null> = {};
  if (steps.writesBlocked && !facts.blocks.write) settings['index.blocks.write'] = null;
  if (steps.sourceOpened && facts.blocks.read_only) settings['index.blocks.read_only'] = true;
  if (steps.sourceOpened && facts.blocks.metadata) settings['index.blocks.metadata'] = true;
  return settings;
}

/**
 * The error an operator reads in the status when an index failed and its rollback failed too: why it
 * failed, why the rollback failed, what state the source may be left in, and the exact requests that
 * put it back (the ones the rollback would have sent). Elasticsearch itself leaves a failed index's
 * source read-only and says nothing (docs/ELASTICSEARCH-BEHAVIOUR.md, section 8).
 */
export function rollbackFailureMessage(report: RollbackFailure): string {
  const { dataStream, sourceIndex, destinationIndex, steps } = report;
  const left: string[] = [];
  const sourceState = sourceStateLeft(report);
  if (sourceState.length > 0) left.push(`the source index [${sourceIndex}] may be ${joinAnd(sourceState)}`);
  if (steps.destinationTouched) left.push(`the copy [${destinationIndex}] may be left behind`);
  let text = `${report.failure}; rolling back failed too: ${report.rollbackFailure}.`;
  if (left.length > 0) text += ` ${capitalize(left.join('; '))}.`;
  if (steps.swapAttempted && dataStream === '') {
    text +=
      ` The switch may have taken effect: if GET /_alias/${sourceIndex} names [${destinationIndex}], the` +
      ' upgrade went through and nothing is left to do.';
  } else if (steps.swapAttempted) {
    text +=
      ` The swap may have taken effect: if GET /_data_stream/${dataStream} lists [${destinationIndex}] and` +
      ` not [${sourceIndex}], the upgrade went through and only DELETE /${sourceIndex} is left to do.`;
  }
  const fixes = requestsThatPutBack(report);
  if (fixes.length > 0) {
    text += ` ${steps.swapAttempted ? 'Otherwise, to' : 'To'} put it back: ${fixes.join(' then ')}.`;
  }
  return text;
}

/** How the source may differ from what it was, in words. */
function sourceStateLeft({ facts, steps }: RollbackFailure): string[] {
  const state: string[] = [];
  if (steps.writesBlocked && !facts.blocks.write) state.push('still write-blocked');
  if (steps.sourceOpened && facts.closed) state.push('open (it was closed)');
  for (const name of ['read_only', 'metadata'] as const) {
    if (steps.sourceOpened && facts.blocks[name]) state.push(`without its index.blocks.${name}`);
  }
  return state;
}

/** The requests the rollback would have sent, in order. */
function requestsThatPutBack({ sourceIndex, destinationIndex, facts, steps }: RollbackFailure): string[] {
  const fixes: string[] = [];
  // Closed first: a metadata or read-only block would refuse the close.
  if (steps.sourceOpened && facts.closed) fixes.push(`POST /${sourceIndex}/_close`);
  const blocks = blocksToRestore(facts, steps);
  if (Object.keys(blocks).length > 0) fixes.push(`PUT /${sourceIndex}/_settings ${JSON.stringify(blocks)}`);
  if (steps.destinationTouched) fixes.push(`DELETE /${destinationIndex}`);
  return fixes;
}

function joinAnd(parts: string[]): string {
  return parts.length <= 1
    ? parts.join('')
    : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

function capitalize(text: string): string {
  return text.length === 0 ? text : `${text[0].toUpperCase()}${text.slice(1)}`;
}
