import { Client, errors } from '@elastic/elasticsearch';
import { randomBytes } from 'node:crypto';
import { startSandbox, type SandboxControls } from '../src';

/** A fresh sandbox on a free port, with a client that never retries (faults must reach the test). */
export interface TestSandbox {
  client: Client;
  url: string;
  controls: SandboxControls;
  close(): Promise<void>;
}

export async function startTestSandbox(options: { dataDir?: string } = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox({ port: 0, ...options });
  const client = new Client({ node: sandbox.url, maxRetries: 0, requestTimeout: 60_000 });
  return {
    client,
    url: sandbox.url,
    controls: sandbox.controls,
    close: async () => {
      await client.close();
      await sandbox.close();
    },
  };
}

export function uniqueName(prefix: string): string {
  return `sbx-${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Polls until the predicate holds or the timeout passes. */
export async function eventually(predicate: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not met in time');
}

/** Asserts the call fails with this HTTP status and Elasticsearch error type (and reason, when given). */
export async function expectErrorType(
  call: Promise<unknown>,
  status: number,
  type: string,
  reason?: string,
): Promise<void> {
  const err: unknown = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(err).toBeInstanceOf(errors.ResponseError);
  const response = err as errors.ResponseError;
  expect(response.meta.statusCode).toBe(status);
  const error = (response.meta.body as { error?: { type?: string; reason?: string } }).error;
  expect(error?.type).toBe(type);
  if (reason !== undefined) expect(error?.reason).toBe(reason);
}
