/**
 * The CLI on a secured three-node HTTPS cluster: it acts with the credentials it is given, refuses
 * clearly when it has none or wrong ones, and makes the same privilege checks as the HTTP API.
 */
import {
  createApiKey,
  createUserWithRole,
  describeOnSecuredCluster,
  expectSuccessesOnCluster,
  runCliOn,
  useUpgradeHarness,
  type CliRun,
  type RoleSpec,
  type TestUser,
} from '../support';
import { EXIT_CODES } from '../../src/client/cli/exit-codes';

const DATA_STREAM = 'cli-sec';
const MANAGER: RoleSpec = { cluster: ['manage'], indices: [{ names: ['cli-sec*'], privileges: ['manage'] }] };
const OUTSIDER: RoleSpec = { cluster: ['manage'], indices: [{ names: ['other-*'], privileges: ['manage'] }] };

describeOnSecuredCluster('ds-reindex CLI against real Elasticsearch security', () => {
  const h = useUpgradeHarness('secured-cli');
  let manager: TestUser;
  let outsider: TestUser;
  let apiKey: string;

  beforeAll(async () => {
    manager = await createUserWithRole(h().es, 'cli_manager', MANAGER);
    outsider = await createUserWithRole(h().es, 'cli_outsider', OUTSIDER);
    apiKey = await createApiKey(h().es, 'cli_manager_key', MANAGER);
    await h().seed(DATA_STREAM, [{ docCount: 50 }, { docCount: 5 }]);
  });

  /** The CLI with the cluster's address and CA, and only the credentials given. */
  const cli = (args: string[], credentials: Record<string, string>): Promise<CliRun> =>
    runCliOn(h(), args, credentials);

  it('refuses clearly, with exit code 6, when a secured cluster gets no credentials or wrong ones', async () => {
    for (const command of [
      ['plan', DATA_STREAM],
      ['status', DATA_STREAM],
      ['list'],
      ['settings', 'get'],
      ['readiness'],
    ]) {
      const none = await cli(command, {});
      expect({ command, code: none.code }).toEqual({ command, code: EXIT_CODES.REFUSED });
      expect(none.stderr).toContain('Elasticsearch has security on and refused the credentials');
      expect(none.stderr).toContain('ES_API_KEY');
      expect(none.stderr).toContain('missing authentication credentials');
    }
    const wrong = await cli(['plan', DATA_STREAM], { ES_USERNAME: manager.name, ES_PASSWORD: 'wrong' });
    expect(wrong.code).toBe(EXIT_CODES.REFUSED);
    expect(wrong.stderr).toContain(`unable to authenticate user [${manager.name}]`);
  });

  it("refuses a user without manage on the data stream with Elasticsearch's 403, and starts nothing", async () => {
    const credentials = { ES_USERNAME: outsider.name, ES_PASSWORD: outsider.password };
    const start = await cli(['start', DATA_STREAM, '--json'], credentials);
    expect(start.code).toBe(EXIT_CODES.REFUSED);
    expect(start.stderr).toContain(
      `action [indices:admin/data_stream/reindex] is unauthorized for user [${outsider.name}] with effective roles ` +
        `[${outsider.name}_role] on indices [${DATA_STREAM}], this action is granted by the index privileges [manage,all]`,
    );
    expect(JSON.parse(start.stdout)).toMatchObject({ status: 403, error: { type: 'security_exception' } });
    const status = await cli(['status', DATA_STREAM], {
      ES_USERNAME: manager.name,
      ES_PASSWORD: manager.password,
    });
    expect(status.code).toBe(EXIT_CODES.NOT_FOUND);
  });

  it('acts with a user, or an API key, that holds the privileges', async () => {
    const asUser = { ES_USERNAME: manager.name, ES_PASSWORD: manager.password };
    const plan = await cli(['plan', DATA_STREAM, '--json'], asUser);
    expect(plan.code).toBe(EXIT_CODES.OK);
    expect((JSON.parse(plan.stdout) as { data_stream: string }).data_stream).toBe(DATA_STREAM);

    const asKey = { ES_API_KEY: apiKey };
    const started = await cli(['start', DATA_STREAM, '--wait', '--json'], asKey);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(EXIT_CODES.OK);
    // What the status says was upgraded is what the cluster shows, on three nodes with security on.
    await expectSuccessesOnCluster(h().es, DATA_STREAM, await h().service.status(DATA_STREAM));
    const backing = await h().es.indices.getDataStream({ name: DATA_STREAM });
    expect(backing.data_streams[0].indices.map((index) => index.index_name)).toEqual([
      expect.stringMatching(/^\.migrated-ds-cli-sec-/),
      expect.stringMatching(/^\.migrated-ds-cli-sec-/),
      expect.stringMatching(/^\.ds-cli-sec-/),
    ]);

    // The readiness report with the same key: none of the data stream's indices is old any more.
    const readiness = await cli(['readiness', '--json'], asKey);
    expect(readiness.stderr).toBe('');
    expect([EXIT_CODES.OK, EXIT_CODES.NOT_READY]).toContain(readiness.code);
    const report = JSON.parse(readiness.stdout) as { old_indices: { data_stream: string | null }[] };
    expect(report.old_indices.filter((entry) => entry.data_stream === DATA_STREAM)).toEqual([]);
  });
});
