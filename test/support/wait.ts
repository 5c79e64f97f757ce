export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/**
 * Thrown by an `eventually` check when the condition can no longer become true (the copy it waits for
 * has ended, the upgrade completed first): the wait ends at once with this reason instead of timing out.
 */
export class WaitAbandoned extends Error {
  override readonly name = 'WaitAbandoned';
}

/** Ends the `eventually` that runs this check, saying why its condition can no longer become true. */
export function abandonWait(reason: string): never {
  throw new WaitAbandoned(reason);
}

/**
 * The one way tests wait: polls `check` until it returns something other than `undefined` or `false`,
 * and returns that. A check that throws counts as "not yet" (a server restarting, a task not yet
 * visible); the last error is in the timeout's message. A check that calls `abandonWait` ends the wait
 * at once with its reason. Bounded, so a hung scenario fails instead of hanging CI.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what = 'a condition',
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<Exclude<T, undefined | false>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: string | undefined;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    } catch (err) {
      if (err instanceof WaitAbandoned) throw new Error(`gave up waiting for ${what}: ${err.message}`);
      lastError = err instanceof Error ? err.message : JSON.stringify(err);
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
}
