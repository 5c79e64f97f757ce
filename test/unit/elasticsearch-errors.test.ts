import { errors } from '@elastic/elasticsearch';
import { isTaskWaitTimeout } from '../../src/elasticsearch/errors';

function answer(status: number, type: string, reason: string): errors.ResponseError {
  return new errors.ResponseError({
    body: { error: { root_cause: [{ type, reason }], type, reason }, status },
    statusCode: status,
    headers: {},
    warnings: null,
    meta: {} as never,
  });
}

describe('a wait for a task that is still running', () => {
  it("is Elasticsearch's timeout, from the task's own node or forwarded from another", () => {
    expect(isTaskWaitTimeout(answer(500, 'timeout_exception', 'timed out after [1s/1000ms]'))).toBe(true);
    expect(
      isTaskWaitTimeout(
        answer(
          500,
          'receive_timeout_transport_exception',
          '[real-es-2][127.0.0.1:9501][cluster:monitor/task/get] request_id [40203] timed out after [1000ms]',
        ),
      ),
    ).toBe(true);
  });

  it('is nothing else: another action timing out, or another failure, is not "still running"', () => {
    expect(
      isTaskWaitTimeout(
        answer(
          500,
          'receive_timeout_transport_exception',
          '[real-es-2][127.0.0.1:9501][indices:data/write/bulk[s]] timed out',
        ),
      ),
    ).toBe(false);
    expect(isTaskWaitTimeout(answer(404, 'resource_not_found_exception', "task [x] isn't running"))).toBe(
      false,
    );
    expect(isTaskWaitTimeout(new errors.ConnectionError('socket hang up'))).toBe(false);
  });
});
