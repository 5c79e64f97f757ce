import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describeOnSandbox } from '../support';

const ROOT = resolve(__dirname, '../..');

// The README's first command must work: this runs the demo itself (after `npm run setup`, which the
// test command has already done) to the end, then checks it stopped everything it started.
describeOnSandbox('npm run demo', 'the demo starts its own sandbox', () => {
  it('upgrades the demo data stream, prints the result, and leaves no process behind', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--exit-when-done'], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    // The whole output on failure: it says which step of the demo failed and why.
    if (code !== 0) throw new Error(`the demo exited with ${code}:\n${output}`);

    expect(output).toContain('{"acknowledged":true}');
    expect(output).toMatch(/"complete": true/);
    expect(output).toMatch(/"successes": 4/);
    expect(output).toMatch(/"errors": \[\]/);
    expect(output.match(/"index_name": "\.migrated-ds-logs-demo-/g)).toHaveLength(4);
    expect(output).toMatch(/http:\/\/localhost:\d+\/namespaces\/default\/workflows\?query=DataStream/);
    expect(output).toContain('stopping: worker, HTTP API, Elasticsearch sandbox, Temporal dev server');
    // The dev server it started (the only process using the demo's database file) is gone too.
    const survivors = spawnSync('pgrep', ['-f', resolve(ROOT, '.data/demo/temporal.db')], {
      encoding: 'utf8',
    });
    expect(survivors.stdout.trim()).toBe('');
  }, 240_000);
});
