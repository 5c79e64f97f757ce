import { authorize, writeJson, writeLines, type Command } from '../command';
import { EXIT_CODES } from '../exit-codes';
import { renderTable } from '../output/table';
import { ACCESS } from '../../service/access';
import { readinessReport, type ReadinessReport } from '../../service/readiness-report';
import { readReadiness } from '../../../elasticsearch/readiness-inspection';

function checkLine(name: string, check: ReadinessReport['checks']['transforms']): string | undefined {
  if (check.status === 'checked') return undefined;
  const why =
    check.status === 'forbidden' ? 'not allowed to these credentials' : 'not available on this cluster';
  return `${name}: not checked, ${why}: ${check.reason}`;
}

/** The report as an operator reads it: the verdict, one row per old index, then what to do. */
export function readinessLines(report: ReadinessReport): string[] {
  const lines = [
    `Cluster on Elasticsearch ${report.cluster_version}: ${report.indices_checked} indices checked, ` +
      `${report.old_indices.length} created before ${report.cluster_version.split('.')[0]}.0.0`,
  ];
  for (const line of [
    checkLine('System features', report.checks.system_features),
    checkLine('Transforms', report.checks.transforms),
  ]) {
    if (line !== undefined) lines.push(line);
  }
  if (report.old_indices.length > 0) {
    lines.push(
      '',
      renderTable(
        ['index', 'created', 'category', 'blocks', 'notes'],
        report.old_indices.map((entry) => [
          entry.index,
          entry.version_created_string,
          entry.category,
          entry.blocking ? 'yes' : 'no',
          [
            entry.data_stream === null ? '' : `data stream ${entry.data_stream}`,
            entry.aliases.length > 0 ? `aliases ${entry.aliases.join(', ')}` : '',
            entry.closed ? 'closed' : '',
            entry.lifecycle_policy === null ? '' : `ILM policy ${entry.lifecycle_policy}`,
            entry.hidden ? 'hidden' : '',
            ...entry.reasons,
          ]
            .filter(Boolean)
            .join('; '),
        ]),
      ),
    );
    const categories = [...new Set(report.old_indices.filter((e) => e.blocking).map((e) => e.category))];
    if (categories.length > 0) lines.push('', 'What to do:');
    for (const category of categories) {
      const entry = report.old_indices.find((e) => e.category === category);
      if (entry) lines.push(`  ${category}: ${entry.action}`);
    }
  }
  lines.push('', `Verdict: ${report.verdict}`);
  return lines;
}

/**
 * `ds-reindex readiness`: will the cluster start on the next major? Reads Elasticsearch only; exits 0
 * when ready and 8 when not, so that it can gate an upgrade pipeline.
 */
export const readinessCommand: Command = {
  name: 'readiness',
  options: [],
  summary:
    'say whether the cluster is ready for the next major, and which old indices stop it (exit 8 if not)',
  help: [
    '',
    'Classifies every index created before the current major, hidden, closed and system ones included.',
    'Exit codes: 0 ready, 8 not ready; the others as for every command.',
  ].join('\n'),
  async run(context) {
    await authorize(context, ACCESS.readiness);
    const report = readinessReport(await readReadiness(context.connections.es()));
    if (context.flags.json) writeJson(context, report);
    else writeLines(context, readinessLines(report));
    return report.ready ? EXIT_CODES.OK : EXIT_CODES.NOT_READY;
  },
};
