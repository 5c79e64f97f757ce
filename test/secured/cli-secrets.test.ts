/**
 * The CLI's credentials from files on a secured cluster: an API key from ES_API_KEY_FILE, a password from
 * --es-password-file, both as Elasticsearch authenticates them; a secret flag still works but is warned
 * about, since `ps` shows it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createApiKey,
  createUserWithRole,
  describeOnSecuredCluster,
  runCliOn,
  useUpgradeHarness,
  type CliRun,
  type RoleSpec,
  type TestUser,
} from '../support';
import { EXIT_CODES } from '../../src/client/cli/exit-codes';

const DATA_STREAM = 'cli-files';
const MANAGER: RoleSpec = {
  cluster: ['manage'],
  indices: [{ names: ['cli-files*'], privileges: ['manage'] }],
};

describeOnSecuredCluster('ds-reindex CLI credentials from files', () => {
  const h = useUpgradeHarness('secured-cli-files');
  const dir = mkdtempSync(join(tmpdir(), 'ds-reindex-cli-files-'));
  let manager: TestUser;
  let keyFile: string;
  let passwordFile: string;

  const secretFile = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };

  beforeAll(async () => {
    manager = await createUserWithRole(h().es, 'cli_files_manager', MANAGER);
    keyFile = secretFile('api-key', `${await createApiKey(h().es, 'cli_files_key', MANAGER)}\n`);
    passwordFile = secretFile('password', `${manager.password}\n`);
    await h().seed(DATA_STREAM, [{ docCount: 5 }]);
  });

  const cli = (args: string[], credentials: Record<string, string>): Promise<CliRun> =>
    runCliOn(h(), args, credentials);

  const planned = (run: CliRun): string => (JSON.parse(run.stdout) as { data_stream: string }).data_stream;

  it('acts with an API key from ES_API_KEY_FILE, and a password from --es-password-file', async () => {
    const withKey = await cli(['plan', DATA_STREAM, '--json'], { ES_API_KEY_FILE: keyFile });
    expect({ code: withKey.code, stderr: withKey.stderr }).toEqual({ code: EXIT_CODES.OK, stderr: '' });
    expect(planned(withKey)).toBe(DATA_STREAM);

    const withPassword = await cli(['plan', DATA_STREAM, '-o', 'json', '--es-password-file', passwordFile], {
      ES_USERNAME: manager.name,
      // The flag replaces the environment's password, as every connection flag overrides its variable.
      ES_PASSWORD: 'not-this-one',
    });
    expect({ code: withPassword.code, stderr: withPassword.stderr }).toEqual({
      code: EXIT_CODES.OK,
      stderr: '',
    });
    expect(planned(withPassword)).toBe(DATA_STREAM);
  });

  it('refuses a wrong password from a file as Elasticsearch does, and names no secret', async () => {
    const run = await cli(['plan', DATA_STREAM], {
      ES_USERNAME: manager.name,
      ES_PASSWORD_FILE: secretFile('wrong', 'wrong-password\n'),
    });
    expect(run.code).toBe(EXIT_CODES.REFUSED);
    expect(run.stderr).toContain(`unable to authenticate user [${manager.name}]`);
    expect(run.stderr).not.toContain('wrong-password');
  });

  it('still takes a secret as a flag, with a warning that ps shows it', async () => {
    const run = await cli(
      ['plan', DATA_STREAM, '--json', '--es-username', manager.name, '--es-password', manager.password],
      {},
    );
    expect(run.code).toBe(EXIT_CODES.OK);
    expect(planned(run)).toBe(DATA_STREAM);
    expect(run.stderr).toContain('warning: --es-password shows in `ps`');
    expect(run.stderr).not.toContain(manager.password);
  });
});
