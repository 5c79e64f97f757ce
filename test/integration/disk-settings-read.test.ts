import type { Client } from '@elastic/elasticsearch';
import { createEsTarget, type EsTarget } from '../support';
import { REAL_CLUSTER_URL } from '../support/target';
import { DiskFactsUnavailableError, readDiskSettings } from '../../src/elasticsearch/disk-facts';

const THRESHOLD_ENABLED = 'cluster.routing.allocation.disk.threshold_enabled';

/** The query string of every `GET /_cluster/settings` the client sends from now on. */
function settingsReadsOf(es: Client): string[] {
  const queries: string[] = [];
  es.diagnostic.on('request', (_err, event) => {
    const params = event?.meta.request.params;
    if (params?.method === 'GET' && params.path === '/_cluster/settings') {
      queries.push(typeof params.querystring === 'string' ? params.querystring : '');
    }
  });
  return queries;
}

// Each index start reads the disk settings; `include_defaults` renders every default of the cluster, so
// the defaults (which change only as nodes restart) are read once a minute, the set values every time.
describe('reading the disk settings', () => {
  // The sandbox has no disk watermarks, not even defaults: each case runs where its cluster is.
  const onRealNode = REAL_CLUSTER_URL !== undefined ? it : it.skip;
  const onSandbox = REAL_CLUSTER_URL === undefined ? it : it.skip;
  let target: EsTarget;

  beforeAll(async () => {
    target = await createEsTarget();
  });
  afterAll(async () => {
    await target.close();
  });

  onRealNode('reads the defaults once, and still sees a disk setting set since', async () => {
    const es = target.client.child({});
    const reads = settingsReadsOf(es);
    try {
      const before = await readDiskSettings(es);
      expect(before.watermarks.high.source).toBe('default');
      // The opposite of the node's own value (the test node may turn the threshold off in its configuration).
      await es.cluster.putSettings({ transient: { [THRESHOLD_ENABLED]: !before.threshold_enabled } });
      const after = await readDiskSettings(es);
      expect(after.threshold_enabled).toBe(!before.threshold_enabled);
      // The watermarks still come from the defaults read first.
      expect(after.watermarks).toEqual(before.watermarks);
    } finally {
      await es.cluster.putSettings({ transient: { [THRESHOLD_ENABLED]: null } });
    }
    expect(reads).toHaveLength(2);
    expect(reads[0]).toContain('include_defaults=true');
    expect(reads[1]).not.toContain('include_defaults');
  });

  onSandbox('asks a look-alike without watermark defaults for them every time', async () => {
    const es = target.client.child({});
    const reads = settingsReadsOf(es);
    await expect(readDiskSettings(es)).rejects.toThrow(DiskFactsUnavailableError);
    await expect(readDiskSettings(es)).rejects.toThrow(DiskFactsUnavailableError);
    expect(reads).toHaveLength(2);
    for (const read of reads) expect(read).toContain('include_defaults=true');
  });
});
