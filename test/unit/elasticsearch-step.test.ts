import { MockActivityEnvironment } from '@temporalio/testing';
import { elasticsearchStep } from '../../src/activities/failures';

// Every heartbeat that reaches the server is a billable action: a short step must send none, a long one
// must keep sending them so that a dead worker is noticed by the heartbeat timeout.
describe('elasticsearchStep heartbeats', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('sends no heartbeat for a step that ends at once', async () => {
    const env = new MockActivityEnvironment();
    let heartbeats = 0;
    env.on('heartbeat', () => {
      heartbeats += 1;
    });
    const result = await env.run(() => elasticsearchStep(() => Promise.resolve('done')));
    expect(result).toBe('done');
    expect(heartbeats).toBe(0);
  });

  it('heartbeats while a step runs, and stops when it ends', async () => {
    jest.useFakeTimers();
    const env = new MockActivityEnvironment();
    let heartbeats = 0;
    env.on('heartbeat', () => {
      heartbeats += 1;
    });
    let finish: (value: string) => void = () => undefined;
    const running = env.run(() =>
      elasticsearchStep(
        () =>
          new Promise<string>((resolve) => {
            finish = resolve;
          }),
      ),
    );
    await jest.advanceTimersByTimeAsync(5_000);
    const whileRunning = heartbeats;
    finish('done');
    await expect(running).resolves.toBe('done');
    await jest.advanceTimersByTimeAsync(10_000);
    expect(whileRunning).toBeGreaterThanOrEqual(2);
    expect(heartbeats).toBe(whileRunning);
  });
});
