import { destinationSettingsForCopy } from '../../src/activities/destination-settings';

describe('destination settings', () => {
  it('copies user settings and drops private, internal, block and lifecycle ones', () => {
    const settings = destinationSettingsForCopy({
      'index.uuid': 'abc',
      'index.creation_date': '1',
      'index.provided_name': '.ds-x',
      'index.version.created': '7170099',
      'index.blocks.write': 'true',
      'index.resize.source.name': 'y',
      'index.routing.allocation.initial_recovery._id': 'n',
      'index.verified_read_only': 'false',
      'index.history.uuid': 'h',
      'index.soft_deletes.enabled': 'true',
      'index.translog.retention.size': '1mb',
      'index.lifecycle.name': 'logs',
      'index.hidden': 'true',
      'index.number_of_shards': '3',
      'index.number_of_replicas': '2',
      'index.refresh_interval': '5s',
      'index.codec': 'best_compression',
    });
    expect(settings).toEqual({
      'index.hidden': 'true',
      'index.number_of_shards': '3',
      'index.codec': 'best_compression',
      'index.number_of_replicas': '0',
      'index.refresh_interval': '-1',
    });
  });
});
