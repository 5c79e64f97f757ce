import type { Client } from '@elastic/elasticsearch';
import type { ReindexService } from '../service/reindex-service';
import { REINDEX_ACTIONS } from '../service/api-error';
import { namesWithManagePrivilege, requireManagePrivilege, type SecurityMode } from './index-privileges';
import { parseMigrationReindexRequest } from './migration-reindex-request';
import { parseRequiredJsonBody } from './request-body';
import { strictBooleanParam } from './request-params';
import { booleanParam, type Route } from './routes';

/** The plan and list are ds-reindex's own; they need what starting an upgrade needs. */
const PLAN_ACTION = REINDEX_ACTIONS.start;

/** Elasticsearch's three reindex endpoints, plus the dry-run plan, pause and resume, and the list of upgrades. */
export function reindexRoutes(service: ReindexService, security: SecurityMode): Route[] {
  const authorize = (es: Client, action: string, dataStream: string) =>
    requireManagePrivilege(es, action, dataStream, security);
  return [
    {
      method: 'POST',
      path: '/_migration/reindex',
      // Elasticsearch's start handler declares this, and its YAML tests ask for it before every case.
      capabilities: ['migration_reindex'],
      readsBody: true,
      prepare({ body, es }) {
        const request = parseMigrationReindexRequest(parseRequiredJsonBody(body));
        return async () => {
          await authorize(es, REINDEX_ACTIONS.start, request.dataStream);
          return { status: 200, body: await service.start(es, request.dataStream) };
        };
      },
    },
    {
      method: 'GET',
      path: '/_migration/reindex/{dataStream}/_status',
      readsBody: false,
      prepare({ params, query, es }) {
        const dataStream = params.dataStream;
        const human = booleanParam(query, 'human');
        return async () => {
          await authorize(es, REINDEX_ACTIONS.status, dataStream);
          return { status: 200, body: await service.status(dataStream, human) };
        };
      },
    },
    {
      method: 'POST',
      path: '/_migration/reindex/{dataStream}/_cancel',
      readsBody: false,
      prepare({ params, es }) {
        const dataStream = params.dataStream;
        return async () => {
          await authorize(es, REINDEX_ACTIONS.cancel, dataStream);
          return { status: 200, body: await service.cancel(dataStream) };
        };
      },
    },
    {
      method: 'POST',
      path: '/_migration/reindex/{dataStream}/_pause',
      queryParams: ['now'],
      readsBody: false,
      prepare({ params, query, es }) {
        const dataStream = params.dataStream;
        const now = strictBooleanParam(query, 'now', false);
        return async () => {
          // Pausing stops work as a cancel does, so it needs what a cancel needs.
          await authorize(es, REINDEX_ACTIONS.cancel, dataStream);
          return { status: 200, body: await service.pause(dataStream, now) };
        };
      },
    },
    {
      method: 'POST',
      path: '/_migration/reindex/{dataStream}/_resume',
      readsBody: false,
      prepare({ params, es }) {
        const dataStream = params.dataStream;
        return async () => {
          await authorize(es, REINDEX_ACTIONS.cancel, dataStream);
          return { status: 200, body: await service.resume(dataStream) };
        };
      },
    },
    {
      method: 'GET',
      path: '/_migration/reindex/{dataStream}/_plan',
      readsBody: false,
      prepare({ params, es }) {
        const dataStream = params.dataStream;
        return async () => {
          await authorize(es, PLAN_ACTION, dataStream);
          return { status: 200, body: await service.plan(es, dataStream) };
        };
      },
    },
    {
      method: 'GET',
      path: '/_migration/reindex/_list',
      readsBody: false,
      prepare({ es }) {
        return async () => {
          const tasks = await service.list();
          // With security on, a caller sees only the upgrades of data streams they manage.
          const privileges = await namesWithManagePrivilege(
            es,
            tasks.map((task) => task.data_stream),
            security,
          );
          const visible = privileges
            ? tasks.filter((task) => privileges.allowed.has(task.data_stream))
            : tasks;
          return { status: 200, body: { reindex_tasks: visible } };
        };
      },
    },
  ];
}
