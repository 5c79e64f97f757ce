import { switchActions } from '../../src/activities/standalone-index-activities';
import { refuseOnNextMajor } from '../../src/client/service/standalone-plan';
import { ElasticsearchApiError } from '../../src/client/service/api-error';
import { StandaloneRunState } from '../../src/workflows/standalone-run-state';

describe('the switch of a standalone index', () => {
  it('removes the old index first, then gives its name and every alias with its options to the new one', () => {
    const actions = switchActions(
      { sourceIndex: 'app', destinationIndex: 'migrated-app' },
      [
        { alias: 'app-even', filter: { term: { tag: 'even' } }, index_routing: '1', search_routing: '1,2' },
        { alias: 'app-write', is_write_index: true },
      ],
      false,
    );
    expect(actions).toEqual([
      { remove_index: { index: 'app' } },
      { add: { index: 'migrated-app', alias: 'app' } },
      {
        add: {
          index: 'migrated-app',
          alias: 'app-even',
          filter: { term: { tag: 'even' } },
          index_routing: '1',
          search_routing: '1,2',
        },
      },
      { add: { index: 'migrated-app', alias: 'app-write', is_write_index: true } },
    ]);
  });

  it('keeps a hidden index hidden: the alias with its old name is hidden too', () => {
    const [, nameAlias] = switchActions({ sourceIndex: '.app', destinationIndex: '.migrated-app' }, [], true);
    expect(nameAlias).toEqual({ add: { index: '.migrated-app', alias: '.app', is_hidden: true } });
  });
});

describe('--reindex-read-only', () => {
  const marked = { index: 'old', category: 'verified_read_only' as const, path: 'reindex' as const };

  it('is allowed on the major after the one that created the index', () => {
    expect(() => refuseOnNextMajor('8.19.21', [marked], () => 7_170_099)).not.toThrow();
  });

  it('is refused, naming the indices, once the cluster is on the next major', () => {
    let caught: unknown;
    try {
      refuseOnNextMajor('9.1.0', [marked, { ...marked, index: 'young' }], (index) =>
        index === 'old' ? 7_170_099 : 8_537_000,
      );
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ElasticsearchApiError);
    const error = caught as ElasticsearchApiError;
    expect(error.status).toBe(400);
    expect(error.type).toBe('illegal_argument_exception');
    expect(error.message).toMatch(
      /^--reindex-read-only cannot reindex \[old\]: the cluster is already on 9\.1\.0/,
    );
  });
});

describe('the standalone indices of a cluster run', () => {
  it('starts them in order, tells upgrading ones a copy hold once per change, and hands over what is left', () => {
    const state = new StandaloneRunState('app-*', ['app-1', 'app-2'], undefined);
    const first = state.startNext(1);
    expect(first).toEqual({ index: 'app-1', started_at_millis: 1, step: 'preparing' });
    expect(state.holdsToSend('paused_now')).toEqual([]);
    if (first !== undefined) first.step = 'upgrading';
    expect(state.holdsToSend('paused_now')).toEqual([{ index: 'app-1', hold: 'paused_now' }]);
    expect(state.holdsToSend('paused_now')).toEqual([]);
    expect(state.holdsToSend(undefined)).toEqual([{ index: 'app-1', hold: undefined }]);
    state.finish({
      index: 'app-1',
      outcome: 'failed',
      started_at_millis: 1,
      finished_at_millis: 2,
      destination_index: null,
      documents: null,
      aliases_moved: [],
      exception: 'boom',
    });
    expect(state.allSucceeded).toBe(false);
    expect(state.done).toBe(false);
    // The next run is handed what is pending and counts: app-1's report is in the cluster run's page.
    const next = new StandaloneRunState('app-*', state.pending, state.continued(), () => ({
      finished: 1,
      unsuccessful: state.unsuccessful(),
    }));
    expect(next.status()).toEqual({
      pattern: 'app-*',
      total: 2,
      pending: ['app-2'],
      running: [],
      finished: [],
    });
    expect(next.allSucceeded).toBe(false);
  });
});
