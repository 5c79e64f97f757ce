/**
 * Credentials from a file (`ES_API_KEY_FILE`, `ES_PASSWORD_FILE`), so a secret need not be on a command
 * line, where `ps` shows it, nor in every process's environment.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

describe('credentials from files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-reindex-credentials-'));
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };

  it('reads the API key and the password from their files, without the trailing newline', () => {
    const config = loadConfig({
      ES_API_KEY_FILE: file('api-key', 'a2V5OnNlY3JldA==\n'),
      ES_USERNAME: 'elastic',
      ES_PASSWORD_FILE: file('password', 'pa ss\r\n'),
    });
    expect(config.elasticsearch).toMatchObject({
      apiKey: 'a2V5OnNlY3JldA==',
      username: 'elastic',
      password: 'pa ss',
    });
  });

  it('takes an empty variable as unset, so a flag can clear the environment', () => {
    const config = loadConfig({ ES_API_KEY: '', ES_API_KEY_FILE: file('key-2', 'k') });
    expect(config.elasticsearch.apiKey).toBe('k');
    expect(loadConfig({ ES_API_KEY: 'direct', ES_API_KEY_FILE: '' }).elasticsearch.apiKey).toBe('direct');
  });

  it.each([
    [
      'both the variable and its file',
      { ES_API_KEY: 'SECRET-VALUE', ES_API_KEY_FILE: '/etc/hostname' },
      'ES_API_KEY and ES_API_KEY_FILE are both set',
    ],
    [
      'a file that does not exist',
      { ES_USERNAME: 'u', ES_PASSWORD_FILE: join(tmpdir(), 'no-such-secret') },
      'cannot be read (ENOENT)',
    ],
    ['an empty file', { ES_API_KEY_FILE: join(tmpdir(), 'ds-reindex-empty-secret') }, 'which is empty'],
    [
      'a password file without a user name',
      { ES_PASSWORD_FILE: join(tmpdir(), 'ds-reindex-empty-secret') },
      'which is empty',
    ],
  ])('refuses %s with a ConfigError that names no secret', (_case, env, message) => {
    writeFileSync(join(tmpdir(), 'ds-reindex-empty-secret'), '');
    let thrown: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toContain(message);
    expect((thrown as Error).message).not.toContain('SECRET-VALUE');
  });

  it('still needs the user name with a password from a file', () => {
    expect(() => loadConfig({ ES_PASSWORD_FILE: file('password-2', 'p') })).toThrow(
      'ES_USERNAME and ES_PASSWORD must be set together',
    );
  });
});
