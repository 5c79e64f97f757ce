export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/**
 * The one way tests wait: polls `check` until it returns something other than `undefined` or `false`,
 * and returns that. A check that throws counts as "not yet" (a server restarting, a task not yet
 * visible); the last error is in the timeout's message. Bounded, so a hung scenario fails instead of
 * hanging CI.
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
      lastError = err instanceof Error ? err.message : JSON.stringify(err);
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
}
