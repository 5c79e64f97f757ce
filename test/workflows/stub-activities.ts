import { Context } from '@temporalio/activity';
import type { Activities } from '../../src/activities';
import type { SourceFacts } from '../../src/activities/source-facts';
import { DEFAULT_MIGRATE_SETTINGS, type MigrateSettings } from '../../src/shared/migrate-settings';
import { destinationIndexName } from '../../src/shared/names';

/** A promise with its resolve function, so a test decides when a copy finishes. */
interface Gate {
  promise: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** The gate of `index` in `gates`, made closed on first use. */
function gateIn(gates: Map<string, Gate>, index: string): Gate {
  let found = gates.get(index);
  if (!found) {
    found = gate();
    gates.set(index, found);
  }
  return found;
}

/** How often a held copy heartbeats: often enough that cancels reach it and no heartbeat timeout fires. */
const HELD_COPY_HEARTBEAT_MS = 200;

/**
 * The cluster as the stub activities see it: data streams as lists of backing index names (oldest first,
 * the write index last), which of them are old, the two migrate settings, and the copies in flight. It
 * records what the workflows asked for, so a test can check the order and the overlap of the steps.
 */
export class StubCluster {
  readonly dataStreams = new Map<string, string[]>();
  readonly oldIndices = new Set<string>();
  settings: MigrateSettings = { ...DEFAULT_MIGRATE_SETTINGS };
  /** While true, each copy waits until `release(index)` (or `releaseAll()`). */
  holdCopies = false;
  readonly copying = new Set<string>();
  /** The most copies that were in flight at once since the last `resetPeak()`. */
  peakCopying = 0;
  readonly copiesStarted: string[] = [];
  /**
   * Whether the quick copy (a local activity) finishes copies. Off by default: every copy is handed over
   * to `copyDocuments`, so tests that hold or fail it keep doing so.
   */
  quickCopies = false;
  /** A task id the quick copy hands over with its copy, as when Elasticsearch is still copying. */
  handOverRunningTask = false;
  /** Destinations whose copies `stopCopies` was asked to stop, in order. */
  readonly stoppedCopiesInto: string[] = [];
  private readonly gates = new Map<string, Gate>();
  // Opened when an index's copy has ended (not when it was cancelled).
  private readonly copyEnds = new Map<string, Gate>();
  private rollovers = 0;

  /** A data stream of `oldCount` old backing indices, then `currentCount` current ones; returns the names. */
  addDataStream(name: string, oldCount: number, currentCount = 0): string[] {
    const names = Array.from(
      { length: oldCount + currentCount },
      (_, i) => `.ds-${name}-2024.03.0${(i % 9) + 1}-${String(i + 1).padStart(6, '0')}`,
    );
    this.setDataStream(name, names, names.slice(0, oldCount));
    return names;
  }

  /** A data stream with these backing indices (oldest first), of which `old` need upgrading. */
  setDataStream(name: string, indices: string[], old: string[]): void {
    this.dataStreams.set(name, [...indices]);
    old.forEach((index) => this.oldIndices.add(index));
  }

  indicesOf(dataStream: string): string[] {
    const names = this.dataStreams.get(dataStream);
    if (!names) throw new Error(`stub cluster: no data stream [${dataStream}]`);
    return names;
  }

  release(index: string): void {
    this.gateFor(index).open();
  }

  releaseAll(): void {
    this.holdCopies = false;
    for (const held of this.gates.values()) held.open();
  }

  resetPeak(): void {
    this.peakCopying = this.copying.size;
  }

  private gateFor(index: string): Gate {
    return gateIn(this.gates, index);
  }

  /** Resolves when the copy of `index` has ended. */
  copyEnded(index: string): Promise<void> {
    return this.endGateFor(index).promise;
  }

  /** As the quick copy's `after` sees it: the copy of `index` is running and ends within `waitMs`. */
  async copyEndsWithin(index: string, waitMs: number): Promise<boolean> {
    if (!this.copying.has(index)) return false;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
    });
    const ended = await Promise.race([this.copyEnded(index).then(() => true), timedOut]);
    clearTimeout(timer);
    return ended;
  }

  private endGateFor(index: string): Gate {
    return gateIn(this.copyEnds, index);
  }

  async copy(index: string): Promise<void> {
    this.copiesStarted.push(index);
    this.copying.add(index);
    this.peakCopying = Math.max(this.peakCopying, this.copying.size);
    try {
      if (!this.holdCopies) {
        this.endGateFor(index).open();
        return;
      }
      const context = Context.current();
      const heartbeats = setInterval(() => context.heartbeat(), HELD_COPY_HEARTBEAT_MS);
      try {
        await Promise.race([this.gateFor(index).promise, context.cancelled]);
      } finally {
        clearInterval(heartbeats);
      }
    } finally {
      this.copying.delete(index);
    }
    this.endGateFor(index).open();
  }

  rollover(dataStream: string): string {
    this.rollovers += 1;
    const names = this.indicesOf(dataStream);
    const writeIndex = `.ds-${dataStream}-2024.04.01-${String(names.length + 1).padStart(6, '0')}`;
    names.push(writeIndex);
    return writeIndex;
  }

  swap(dataStream: string, sourceIndex: string): void {
    const names = this.indicesOf(dataStream);
    const at = names.indexOf(sourceIndex);
    if (at >= 0) names.splice(at, 1);
    names.unshift(destinationIndexName(sourceIndex));
    this.oldIndices.delete(sourceIndex);
  }
}

/** The facts `readSourceFacts` reports for every stub index: open, writable, green, default settings. */
export function stubSourceFacts(index: string): SourceFacts {
  return {
    index,
    closed: false,
    health: 'green',
    numberOfReplicas: null,
    refreshInterval: null,
    lifecycleName: null,
    creationDate: '1709251200000',
    lifecycleOriginationDate: null,
    blocks: { write: false, read_only: false, read_only_allow_delete: false, metadata: false, read: false },
  };
}

/**
 * Every activity the workflows call, as plain functions over a `StubCluster`, typed by the real
 * `Activities`, so a renamed or re-typed activity breaks these tests at compile time. `overrides`
 * replaces single steps, e.g. a copy that fails or a rollback that cannot reach the cluster.
 */
export function createStubActivities(cluster: StubCluster, overrides: Partial<Activities> = {}): Activities {
  // The phases run the single steps of `all`, so a test that overrides one step changes the phase too.
  const phases: Pick<Activities, 'readSourceBeforeStart' | 'prepareCopy' | 'finishCopy' | 'retireSource'> = {
    readSourceBeforeStart: async (index) => ({
      facts: await all.readSourceFacts(index),
      maxConcurrentIndices: (await all.readMigrateSettings()).maxConcurrentIndices,
    }),
    prepareCopy: async ({ dataStream, sourceIndex, destinationIndex, facts }) => {
      if (cluster.indicesOf(dataStream).includes(destinationIndex)) {
        return { alreadySwapped: true, documents: 10 };
      }
      await all.openSourceAndClearBlocks({ index: sourceIndex, closed: facts.closed });
      await all.blockSourceWrites(sourceIndex);
      await all.deleteStaleDestination(destinationIndex);
      await all.ensureMissingTimestampPipeline();
      await all.createDestination({ sourceIndex, destinationIndex });
      return { alreadySwapped: false };
    },
    finishCopy: async ({ sourceIndex, destinationIndex, facts }) => {
      const documents = await all.verifyDocumentCount({ sourceIndex, destinationIndex });
      await all.restoreDestinationSettings({
        destinationIndex,
        numberOfReplicas: facts.numberOfReplicas,
        refreshInterval: facts.refreshInterval,
        lifecycleOriginationDate: facts.creationDate,
      });
      await all.waitForDestinationHealth({ destinationIndex, sourceHealth: facts.health });
      return documents;
    },
    retireSource: async ({ sourceIndex }) => {
      await all.deleteSourceIndex(sourceIndex);
    },
  };
  const stubs: Activities = {
    ...phases,
    checkDiskHeadroom: () => Promise.resolve({ fits: true as const }),
    checkWorkerPrivileges: () => Promise.resolve({ missing: [], message: '' }),
    planUpgrade: (dataStream) => {
      const names = cluster.indicesOf(dataStream);
      const writeIndex = names[names.length - 1];
      return Promise.resolve({
        totalIndicesInDataStream: names.length,
        writeIndex,
        writeIndexNeedsUpgrade: cluster.oldIndices.has(writeIndex),
        indicesToUpgrade: names.filter((index) => cluster.oldIndices.has(index)),
      });
    },
    rolloverDataStream: ({ dataStream }) => {
      const writeIndex = cluster.rollover(dataStream);
      return Promise.resolve({
        writeIndex,
        totalIndicesInDataStream: cluster.indicesOf(dataStream).length,
      });
    },
    readMigrateSettings: () => Promise.resolve({ ...cluster.settings }),
    readSourceFacts: (index) => Promise.resolve(stubSourceFacts(index)),
    openSourceAndClearBlocks: () => Promise.resolve(),
    blockSourceWrites: () => Promise.resolve(),
    deleteStaleDestination: () => Promise.resolve(false),
    ensureMissingTimestampPipeline: () => Promise.resolve(),
    createDestination: () => Promise.resolve(),
    copyDocuments: async ({ sourceIndex }) => {
      await cluster.copy(sourceIndex);
      return { taskId: `stub:${sourceIndex}`, tasksStarted: 1, totalDocCount: 10, reindexedDocCount: 10 };
    },
    copyDocumentsQuickly: async ({ sourceIndex, after, waitMs }) => {
      if (after !== undefined && !(await cluster.copyEndsWithin(after.sourceIndex, waitMs))) {
        return { finished: false, turnNotYet: true };
      }
      if (!cluster.quickCopies) {
        return cluster.handOverRunningTask
          ? {
              finished: false,
              runningTask: { taskId: `stub:${sourceIndex}`, tasksStarted: 1, requestsPerSecond: -1 },
            }
          : { finished: false };
      }
      await cluster.copy(sourceIndex);
      return { finished: true, taskId: `stub:${sourceIndex}` };
    },
    awaitCopyEnd: ({ before, waitMs }) => cluster.copyEndsWithin(before.sourceIndex, waitMs),
    stopCopies: (destinationIndex) => {
      cluster.stoppedCopiesInto.push(destinationIndex);
      return Promise.resolve();
    },
    verifyDocumentCount: () => Promise.resolve(10),
    verifyDocuments: () => Promise.resolve({ documents: 10 }),
    restoreDestinationSettings: () => Promise.resolve(),
    waitForDestinationHealth: () => Promise.resolve(),
    closeDestination: () => Promise.resolve(),
    swapBackingIndex: ({ dataStream, sourceIndex }) => {
      cluster.swap(dataStream, sourceIndex);
      return Promise.resolve();
    },
    setLifecycleName: () => Promise.resolve(),
    deleteSourceIndex: () => Promise.resolve(),
    rollBackIndexUpgrade: () => Promise.resolve('restored-source'),
    // The cluster workflow's steps: these tests run the data-stream and index workflows only.
    prepareDataStreamUpgrade: () => Promise.reject(new Error('not stubbed: a cluster step')),
    maintenanceWindowState: () => Promise.reject(new Error('not stubbed: a cluster step')),
    awaitDataStreamUpgrade: () => Promise.reject(new Error('not stubbed: a cluster step')),
    prepareStandaloneIndex: () => Promise.reject(new Error('not stubbed: a cluster step')),
    readStandaloneSource: () => Promise.reject(new Error('not stubbed: a standalone index step')),
    prepareStandaloneCopy: () => Promise.reject(new Error('not stubbed: a standalone index step')),
    switchStandaloneIndex: () => Promise.reject(new Error('not stubbed: a standalone index step')),
    rollBackStandaloneUpgrade: () => Promise.reject(new Error('not stubbed: a standalone index step')),
  };
  const all: Activities = { ...stubs, ...overrides };
  return all;
}
