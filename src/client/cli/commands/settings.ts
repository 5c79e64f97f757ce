import { UsageError } from '../exit-codes';
import { authorize, writeJson, writeLines, type Command, type CommandContext } from '../command';
import { ACCESS } from '../../service/access';
import { renderTable } from '../output/table';
import { updateClusterSettings } from '../../service/cluster-settings-update';
import { flattenSettings } from '../../service/cluster-settings-update';
import {
  DEFAULT_MIGRATE_SETTINGS,
  isMigrateSettingName,
  MAX_CONCURRENT_INDICES_SETTING,
  MAX_REQUESTS_PER_SECOND_SETTING,
  MIGRATE_SETTING_NAMES,
} from '../../../shared/migrate-settings';
import { readMigrateSettings } from '../../../elasticsearch/migrate-settings-store';

async function getSettings(context: CommandContext): Promise<number> {
  await authorize(context, ACCESS.getSettings);
  const es = context.connections.es();
  const raw = await es.cluster.getSettings({ flat_settings: true });
  const effective = await readMigrateSettings(es);
  const persistent = flattenSettings(raw.persistent ?? {});
  const transient = flattenSettings(raw.transient ?? {});
  const values = {
    [MAX_CONCURRENT_INDICES_SETTING]: {
      effective: effective.maxConcurrentIndices,
      default: DEFAULT_MIGRATE_SETTINGS.maxConcurrentIndices,
    },
    [MAX_REQUESTS_PER_SECOND_SETTING]: {
      effective: effective.maxRequestsPerSecond,
      default: DEFAULT_MIGRATE_SETTINGS.maxRequestsPerSecond,
    },
  };
  const rows = MIGRATE_SETTING_NAMES.map((name) => ({
    name,
    ...values[name],
    persistent: persistent[name] ?? null,
    transient: transient[name] ?? null,
  }));
  if (context.flags.json) {
    writeJson(context, Object.fromEntries(rows.map(({ name, ...rest }) => [name, rest])));
  } else {
    const text = (value: unknown) =>
      value === null ? '-' : typeof value === 'string' ? value : JSON.stringify(value);
    writeLines(context, [
      renderTable(
        ['setting', 'effective', 'persistent', 'transient', 'default'],
        rows.map((row) => [
          row.name,
          text(row.effective),
          text(row.persistent),
          text(row.transient),
          text(row.default),
        ]),
      ),
    ]);
  }
  return 0;
}

/** `null` resets; numbers go as numbers so Elasticsearch's messages quote them as it would. */
function settingValue(text: string): unknown {
  if (text === 'null') return null;
  const number = Number(text);
  return text.trim() !== '' && Number.isFinite(number) ? number : text;
}

async function setSetting(
  context: CommandContext,
  name: string | undefined,
  value: string | undefined,
): Promise<number> {
  if (name === undefined || value === undefined)
    throw new UsageError('settings set needs a setting name and a value');
  if (!isMigrateSettingName(name)) {
    throw new UsageError(`unknown setting [${name}]; the settings are: ${MIGRATE_SETTING_NAMES.join(', ')}`);
  }
  await authorize(context, ACCESS.putSettings);
  const section = context.flags.transient ? 'transient' : 'persistent';
  const es = context.connections.es();
  const answer = await updateClusterSettings(
    es,
    await context.connections.service(),
    {
      [section]: { [name]: settingValue(value) },
    },
    true,
  );
  if (context.flags.json) writeJson(context, answer);
  else
    writeLines(context, [
      value === 'null' ? `Reset ${section} ${name}.` : `Set ${section} ${name} = ${value}.`,
    ]);
  return 0;
}

export const settingsCommand: Command = {
  name: 'settings',
  summary: 'read or change the two migrate.* cluster settings (validated as Elasticsearch does)',
  subcommands: [
    {
      name: 'get',
      summary: 'the two migrate.* settings: effective, persistent, transient and default',
      options: [],
      run: getSettings,
    },
    {
      name: 'set',
      arguments: '<name> <value>',
      summary: `set a migrate.* setting (${MIGRATE_SETTING_NAMES.join(', ')}); the value null resets it`,
      options: ['transient'],
      run: (context) => setSetting(context, context.args[0], context.args[1]),
    },
  ],
};
