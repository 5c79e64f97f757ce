import { JsonLogger } from '../../src/observability/json-logger';
import { upgradeOfWorkflowId } from '../../src/observability/upgrade-of-workflow';
import { backingIndexWorkflowId, dataStreamWorkflowId } from '../../src/shared/names';

function capture(level: 'DEBUG' | 'INFO' | 'WARN'): { logger: JsonLogger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = new JsonLogger({
    level,
    fields: { service: 'test' },
    write: (line) => {
      expect(line.endsWith('\n')).toBe(true);
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  return { logger, lines };
}

/** Our own fields of a line (`ds_reindex.*`). */
function own(line: Record<string, unknown>): Record<string, unknown> {
  return (line.ds_reindex ?? {}) as Record<string, unknown>;
}

describe('ECS JSON logs', () => {
  it('writes one ECS JSON object per line at or above its level', () => {
    const { logger, lines } = capture('INFO');
    logger.debug('not written');
    logger.info('written', { count: 3 });
    logger.error('also written');
    expect(lines.map((line) => [line['log.level'], line.message, line['service.name']])).toEqual([
      ['info', 'written', 'test'],
      ['error', 'also written', 'test'],
    ]);
    expect(lines[0]).toEqual({
      '@timestamp': expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/) as unknown,
      'log.level': 'info',
      message: 'written',
      'ecs.version': '8.10.0',
      'service.name': 'test',
      ds_reindex: { count: 3 },
    });
  });

  it('names the data stream and index of any line that carries an upgrade workflow id', () => {
    const { logger, lines } = capture('DEBUG');
    logger.info('activity line', {
      workflowId: backingIndexWorkflowId('logs-app', '.ds-logs-app-000001'),
      attempt: 2,
    });
    logger.info('workflow line', { workflowId: dataStreamWorkflowId('logs-app') });
    logger.info('other workflow', { workflowId: 'something-else' });
    expect(
      lines
        .map((line) => own(line))
        .map(({ dataStream, index, attempt }) => ({ dataStream, index, attempt })),
    ).toEqual([
      { dataStream: 'logs-app', index: '.ds-logs-app-000001', attempt: 2 },
      { dataStream: 'logs-app', index: undefined, attempt: undefined },
      { dataStream: undefined, index: undefined, attempt: undefined },
    ]);
  });

  it("keeps the SDK's timestamp, errors as ECS's error.*, and bigints readable", () => {
    const { logger, lines } = capture('DEBUG');
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    logger.warn('from the SDK', {
      [Symbol.for('log_timestamp')]: BigInt(at) * 1_000_000n,
      error: new TypeError('boom'),
      big: 12n,
    });
    logger.error('said as a string', { error: 'no route to host' });
    expect(lines[0]).toMatchObject({
      '@timestamp': '2026-01-02T03:04:05.678Z',
      'log.level': 'warn',
      error: {
        type: 'TypeError',
        message: 'boom',
        stack_trace: expect.stringContaining('TypeError: boom') as unknown,
      },
      ds_reindex: { big: '12' },
    });
    expect(lines[1]).toMatchObject({ error: { message: 'no route to host' }, ds_reindex: {} });
  });

  it('reads workflow ids back into data stream and index', () => {
    expect(upgradeOfWorkflowId(backingIndexWorkflowId('a', 'b'))).toEqual({ dataStream: 'a', index: 'b' });
    expect(upgradeOfWorkflowId(dataStreamWorkflowId('a'))).toEqual({ dataStream: 'a' });
    expect(upgradeOfWorkflowId(dataStreamWorkflowId(''))).toBeUndefined();
    expect(upgradeOfWorkflowId(undefined)).toBeUndefined();
  });
});
