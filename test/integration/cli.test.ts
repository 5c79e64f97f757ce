import {
  abandonWait,
  describeOnSandbox,
  eventually,
  expectSuccessesOnCluster,
  itOnSandbox,
  runCliOn,
  setMigrateSettings,
  useUpgradeHarness,
  type CliRun,
} from '../support';
import {
  MAX_CONCURRENT_INDICES_SETTING,
  MAX_REQUESTS_PER_SECOND_SETTING,
} from '../../src/shared/migrate-settings';
import type { ReindexDataStreamStatus } from '../../src/shared/status';

describe('ds-reindex CLI', () => {
  const h = useUpgradeHarness('cli');

  /** Runs the CLI as a user would, with the worker's environment variable names. */
  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> => runCliOn(h(), args, env);

  const json = <T>(run: CliRun): T => JSON.parse(run.stdout) as T;

  // These never reach Elasticsearch: once, on the sandbox tier, is enough.
  describeOnSandbox('before reaching Elasticsearch', 'never reaches Elasticsearch', () => {
    it('prints usage with --help', async () => {
      const help = await cli(['--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage: ds-reindex <command>');
      expect(help.stdout).toContain('Exit codes: 0 ok, 1 usage, 2 not found, 3 conflict');
    });

    it.each([
      ['no command', [], ''],
      ['an unknown command', ['frobnicate'], "unknown command 'frobnicate'"],
      ['a missing data stream name', ['status'], ''],
      ['an unknown flag', ['status', 'x', '--bogus'], ''],
      ['an unknown setting', ['settings', 'set', 'migrate.nope', '1'], 'unknown setting [migrate.nope]'],
      ['pause with nothing to pause', ['pause'], 'pause needs one data stream name, or --all'],
      [
        'resume with a name and --all',
        ['resume', 'x', '--all'],
        'resume takes a data stream name or --all, not both',
      ],
    ])('exits 1 on %s', async (_mistake, args, message) => {
      const run = await cli(args);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(message);
    });
  });

  it("plans, and answers a missing data stream with exit 2 and Elasticsearch's error", async () => {
    await h().seed('cli-plan-ds', [{ docCount: 25 }, { docCount: 5 }]);
    const plan = await cli(['plan', 'cli-plan-ds', '--json']);
    expect(plan.code).toBe(0);
    expect(json<{ backing_indices: unknown[] }>(plan).backing_indices).toHaveLength(2);
    const human = await cli(['plan', 'cli-plan-ds']);
    expect(human.stdout).toMatch(
      /2 of 2 backing indices to upgrade, 30 documents; the write index rolls over first/,
    );

    const missing = await cli(['plan', 'no-such-ds', '--json']);
    expect(missing.code).toBe(2);
    expect(json(missing)).toEqual({
      error: {
        root_cause: [
          { type: 'resource_not_found_exception', reason: 'Data stream named [no-such-ds] does not exist' },
        ],
        type: 'resource_not_found_exception',
        reason: 'Data stream named [no-such-ds] does not exist',
      },
      status: 404,
    });
    // -o jsonl: the same body on one line, as `temporal -o jsonl` writes one document a line.
    const missingLine = await cli(['plan', 'no-such-ds', '-o', 'jsonl']);
    expect(missingLine.code).toBe(2);
    expect(
      missingLine.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([json(missing)]);
    expect((await cli(['status', 'no-such-ds'])).code).toBe(2);
    expect((await cli(['cancel', 'no-such-ds'])).code).toBe(2);
  });

  it("validates settings with Elasticsearch's messages and stores them in the cluster", async () => {
    const refused = await cli(['settings', 'set', MAX_CONCURRENT_INDICES_SETTING, '0']);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toContain(
      `Failed to parse value [0] for setting [${MAX_CONCURRENT_INDICES_SETTING}] must be >= 1`,
    );
    expect((await cli(['settings', 'set', MAX_REQUESTS_PER_SECOND_SETTING, '500', '--json'])).code).toBe(0);
    const read = await cli(['settings', 'get', '--json']);
    expect(json(read)).toMatchObject({
      [MAX_REQUESTS_PER_SECOND_SETTING]: {
        effective: 500,
        persistent: '500',
        transient: null,
        default: 1000,
      },
      [MAX_CONCURRENT_INDICES_SETTING]: { effective: 1, persistent: null },
    });
    expect((await cli(['settings', 'set', MAX_REQUESTS_PER_SECOND_SETTING, 'null'])).code).toBe(0);
    expect(json(await cli(['settings', 'get', '--json']))).toMatchObject({
      [MAX_REQUESTS_PER_SECOND_SETTING]: { effective: 1000, persistent: null },
    });
  });

  it('starts, refuses a second start with exit 3, reports, lists, pauses, resumes and cancels', async () => {
    const ds = 'cli-flow-ds';
    // 80 s of copying (four pauses of 1,000 documents / 50 per second), and as long again after the
    // resume: still running through every CLI process below (seconds each on a busy machine) until the
    // cancel.
    await h().seed(ds, [{ docCount: 5000 }, { docCount: 10 }]);
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 50 });
    const started = await cli(['start', ds, '--json']);
    expect(started.code).toBe(0);
    expect(json(started)).toEqual({ acknowledged: true });
    const again = await cli(['start', ds]);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain(`Reindex task for data stream [${ds}] already exists`);

    const status = await eventually(
      async () => {
        const run = await cli(['status', ds, '--json']);
        const body = json<ReindexDataStreamStatus>(run);
        if (run.code === 0 && body.complete) abandonWait(`it completed first: ${run.stdout}`);
        // Reporting progress (past the quick copy), so that the human status below shows its counts.
        return run.code === 0 && body.in_progress.some((entry) => entry.reindexed_doc_count > 0)
          ? body
          : undefined;
      },
      'the copy to be under way',
      90_000,
    );
    expect(status).toMatchObject({ complete: false, total_indices_requiring_upgrade: 2 });
    expect(Object.keys(status)[0]).toBe('start_time_millis');

    const human = await cli(['status', ds]);
    expect(human.stdout).toContain(`Data stream  ${ds}`);
    expect(human.stdout).toMatch(/\[[#.]{24}\] [\d,]+\/[\d,]+ +[\d.]+%/);

    const listed = json<{ data_stream: string; status: ReindexDataStreamStatus | null }[]>(
      await cli(['list', '--json']),
    );
    expect(listed.find((task) => task.data_stream === ds)?.status?.complete).toBe(false);
    const listedLines = (await cli(['list', '-o', 'jsonl'])).stdout.trimEnd().split('\n');
    expect(listedLines.map((line) => (JSON.parse(line) as { data_stream: string }).data_stream)).toEqual(
      listed.map((task) => task.data_stream),
    );

    const paused = await cli(['pause', ds, '--now']);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain(`Paused the upgrade of ${ds}; the copies in flight stop`);
    const pausedStatus = await eventually(
      async () => {
        const run = await cli(['status', ds]);
        if (run.stdout.includes('State        complete')) abandonWait(`it completed first: ${run.stdout}`);
        return run.stdout.includes('State        paused') ? run.stdout : undefined;
      },
      'the status to say paused',
      90_000,
    );
    expect(pausedStatus).toMatch(/Paused {7}since \S+Z \(.+ ago\); copies stopped until `ds-reindex resume`/);
    expect(json(await cli(['resume', ds, '--json']))).toEqual({ acknowledged: true, paused: false });

    expect(json(await cli(['cancel', ds, '--json']))).toEqual({ acknowledged: true });
    expect((await cli(['status', ds])).code).toBe(2);
    expect((await cli(['pause', ds])).code).toBe(2);
    // A dozen CLI processes or more, and two waits of up to 90 s: past jest's default on a busy machine.
  }, 360_000);

  it('follows an upgrade to the end with --wait: progress, summary table, exit 0', async () => {
    const ds = 'cli-wait-ds';
    // The first copy takes 6.7 s (two pauses of 1,000 documents / 300 per second), far past the quick
    // copy's 1 s wait, so its progress (rate, ETA) shows for seconds on any machine.
    const seeded = await h().seed(ds, [{ docCount: 3000 }, { docCount: 300 }, { docCount: 5 }]);
    await setMigrateSettings(h().es, { maxRequestsPerSecond: 300 });
    const waited = await cli(['start', ds, '--wait', '--interval-ms', '250']);
    expect(waited.stderr).toBe('');
    expect(waited.code).toBe(0);
    expect(waited.stdout).toMatch(/docs\/s {2}ETA/);
    expect(waited.stdout).toMatch(/index\s+result\s+documents\s+time\s+message/);
    expect(waited.stdout).toContain(`${seeded[0]}  done`);
    expect(waited.stdout).toContain('Upgraded 3 of 3, 0 failed: complete');
    expect(waited.stdout).not.toContain('\x1b['); // not a terminal: no escape codes
    await expectSuccessesOnCluster(h().es, ds, await h().service.status(ds));
  });

  itOnSandbox('exits 4 from --wait when an index failed', 'failReindexAfter', async () => {
    const broken = 'cli-broken-ds';
    const brokenSeed = await h().seed(broken, [{ docCount: 800 }, { docCount: 5 }]);
    await setMigrateSettings(h().es, { maxRequestsPerSecond: -1 });
    h().controls().failReindexAfter({ sourceIndex: brokenSeed[0], docs: 100, reason: 'disk full' });
    const failed = await cli(['start', broken, '--wait', '--json', '--interval-ms', '250']);
    expect(failed.code).toBe(4);
    const lines = failed.stdout.trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1]) as ReindexDataStreamStatus;
    expect(last).toMatchObject({ complete: true, errors: [{ index: brokenSeed[0] }] });
  });

  itOnSandbox(
    'exits 5 when Temporal or Elasticsearch cannot be reached',
    'never reaches Elasticsearch',
    async () => {
      const noTemporal = await cli(['status', 'x'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
      expect(noTemporal.code).toBe(5);
      expect(noTemporal.stderr).toContain('cannot reach Temporal at 127.0.0.1:1');
      const noElasticsearch = await cli(['plan', 'x', '--es-url', 'http://127.0.0.1:1']);
      expect(noElasticsearch.code).toBe(5);
    },
  );
});
