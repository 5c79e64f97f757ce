import type { ReindexService } from '../service/reindex-service';
import { ACCESS } from '../service/access';
import { parseMigrationReindexRequest } from './migration-reindex-request';
import { parseRequiredJsonBody } from './request-body';
import { strictBooleanParam } from './request-params';
import { booleanParam, type Route } from './routes';

/**
 * Elasticsearch's three reindex endpoints, plus the dry-run plan, pause and resume, and the list of
 * upgrades. Each needs `manage` on its data stream, checked with the caller's own credentials.
 */
export function reindexRoutes(service: ReindexService): Route[] {
  return [
    {
      method: 'POST',
      path: '/_migration/reindex',
      // Elasticsearch's start handler declares this, and its YAML tests ask for it before every case.
      capabilities: ['migration_reindex'],
      readsBody: true,
      access: ACCESS.start,
      prepare({ body, es, requireIndices }) {
        const request = parseMigrationReindexRequest(parseRequiredJsonBody(body));
        return async () => {
          await requireIndices([request.dataStream]);
          return { status: 200, body: await service.start(es, request.dataStream) };
        };
      },
    },
    {
      method: 'GET',
      path: '/_migration/reindex/{dataStream}/_status',
      readsBody: false,
      access: ACCESS.status,
      prepare({ params, query, requireIndices }) {
        const dataStream = params.dataStream;
        const human = booleanParam(query, 'human');
        return async () => {
          await requireIndices([dataStream]);
          return { status: 200, body: await service.status(dataStream, human) };
        };
      },
    },
    {
      method: 'POST',
      path: '/_migration/reindex/{dataStream}/_cancel',
      readsBody: false,
      access: ACCESS.cancel,
      prepare({ params, requireIndices }) {
        const dataStream = params.dataStream;
        return async () => {
          await requireIndices([dataStream]);
          return { status: 200, body: await service.cancel(dataStream) };
        };
      },
    },
    {
      method: 'POST',
      path: '/_migration/reindex/{dataStream}/_pause',
      queryParams: ['now'],
      readsBody: false,
      access: ACCESS.pause,
      prepare({ params, query, requireIndices }) {
        const dataStream = params.dataStream;
        const now = strictBooleanParam(query, 'now', false);
        return async () => {
          await requireIndices([dataStream]);
          return { status: 200, body: await service.pause(dataStream, now) };
        };
      },
    },
    {
      method: 'POST',
      path: '/_migration/reindex/{dataStream}/_resume',
      readsBody: false,
      access: ACCESS.resume,
      prepare({ params, requireIndices }) {
        const dataStream = params.dataStream;
        return async () => {
          await requireIndices([dataStream]);
          return { status: 200, body: await service.resume(dataStream) };
        };
      },
    },
    {
      method: 'GET',
      path: '/_migration/reindex/{dataStream}/_plan',
      readsBody: false,
      access: ACCESS.plan,
      prepare({ params, es, requireIndices }) {
        const dataStream = params.dataStream;
        return async () => {
          await requireIndices([dataStream]);
          return { status: 200, body: await service.plan(es, dataStream) };
        };
      },
    },
    {
      method: 'GET',
      path: '/_migration/reindex/_list',
      readsBody: false,
      access: ACCESS.list,
      prepare({ allowedIndices }) {
        return async () => {
          const tasks = await service.list();
          // A caller sees only the upgrades of data streams they manage.
          const allowed = await allowedIndices(tasks.map((task) => task.data_stream));
          return {
            status: 200,
            body: { reindex_tasks: tasks.filter((task) => allowed.has(task.data_stream)) },
          };
        };
      },
    },
  ];
}
