import { backingIndexWorkflowId, dataStreamWorkflowId, destinationIndexName } from '../../src/shared/names';

describe('names', () => {
  it.each([
    ['.ds-logs-2025.01.23-000001', '.migrated-ds-logs-2025.01.23-000001'],
    ['foo', 'migrated-foo'],
    ['.migrated-ds-x', '.migrated-migrated-ds-x'],
    ['migrated-foo', 'migrated-migrated-foo'],
  ])('destination of %s is %s', (source, destination) => {
    expect(destinationIndexName(source)).toBe(destination);
  });

  it('names the data-stream workflow as Elasticsearch names its task', () => {
    expect(dataStreamWorkflowId('my-data-stream')).toBe('reindex-data-stream-my-data-stream');
  });

  it('derives child ids from the data stream and the index, never from run state', () => {
    expect(backingIndexWorkflowId('logs', '.ds-logs-2025.01.23-000001')).toBe(
      'reindex-data-stream-logs/.ds-logs-2025.01.23-000001',
    );
  });
});
