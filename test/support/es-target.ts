import { Client } from '@elastic/elasticsearch';
import { startSandbox, type SandboxControls } from '@ds-reindex/es-sandbox';

export interface EsTarget {
  client: Client;
  url: string;
  /** Present only for the in-process sandbox; undefined against a real cluster (ES_URL). */
  controls?: SandboxControls;
  close(): Promise<void>;
}

/**
 * The Elasticsearch a test talks to: the cluster at `ES_URL` when set (a real 8.19, e.g. from
 * docker-compose), otherwise a fresh in-process sandbox on a random port.
 */
export async function createEsTarget(): Promise<EsTarget> {
  const external = process.env.ES_URL;
  if (external) {
    const client = new Client({ node: external, maxRetries: 0, requestTimeout: 60_000 });
    return { client, url: external, close: () => client.close() };
  }
  const sandbox = await startSandbox({ port: 0 });
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
