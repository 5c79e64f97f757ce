import type { ReindexService } from '../service/reindex-service';
import { ACCESS, type Access } from '../service/access';
import { parseMigrationReindexRequest } from './migration-reindex-request';
import { parseRequiredJsonBody } from './request-body';
import { strictBooleanParam, verifyModeParam } from './request-params';
import type { RequestContext, Route } from './routes';

/**
 * A route on one data stream (`/_migration/reindex/{dataStream}/<suffix>`): the caller must hold the
 * route's index privilege on it, then `act` answers. `prepare` reads the query first, changing nothing.
 */
function onDataStream(
  method: Route['method'],
  suffix: string,
  access: Access,
  prepare: (context: RequestContext) => (dataStream: string) => Promise<unknown>,
  queryParams?: readonly string[],
): Route {
  return {
    method,
    path: `/_migration/reindex/{dataStream}/${suffix}`,
    readsBody: false,
    access,
    ...(queryParams ? { queryParams } : {}),
    prepare(context) {
      const dataStream = context.params.dataStream;
      const act = prepare(context);
      return async () => {
        await context.requireIndices([dataStream]);
        return { status: 200, body: await act(dataStream) };
      };
    },
  };
}

/** `POST /_migration/reindex`: Elasticsearch's start, its body read as Elasticsearch reads it. */
function startRoute(service: ReindexService): Route {
  return {
    method: 'POST',
    path: '/_migration/reindex',
    // Elasticsearch's start handler declares this, and its YAML tests ask for it before every case.
    capabilities: ['migration_reindex'],
    // ds-reindex's own, beside Elasticsearch's body (which refuses unknown fields, as Elasticsearch does).
    queryParams: ['verify', 'allow_disk_risk'],
    readsBody: true,
    access: ACCESS.start,
    prepare({ body, es, query, requireIndices }) {
      const request = parseMigrationReindexRequest(parseRequiredJsonBody(body));
      const verify = verifyModeParam(query);
      const allowDiskRisk = strictBooleanParam(query, 'allow_disk_risk', false);
      return async () => {
        await requireIndices([request.dataStream]);
        return {
          status: 200,
          body: await service.start(es, request.dataStream, {
            ...(verify !== undefined ? { verify } : {}),
            allowDiskRisk,
          }),
        };
      };
    },
  };
}

/** `GET /_migration/reindex/_list`: every upgrade with a status, of the data streams the caller manages. */
function listRoute(service: ReindexService): Route {
  return {
    method: 'GET',
    path: '/_migration/reindex/_list',
    readsBody: false,
    access: ACCESS.list,
    prepare({ allowedIndices }) {
      return async () => {
        const tasks = await service.list();
        const allowed = await allowedIndices(tasks.map((task) => task.data_stream));
        return {
          status: 200,
          body: { reindex_tasks: tasks.filter((task) => allowed.has(task.data_stream)) },
        };
      };
    },
  };
}

/**
 * Elasticsearch's three reindex endpoints, plus the dry-run plan, pause and resume, and the list of
 * upgrades. Each needs `manage` on its data stream, checked with the caller's own credentials.
 */
export function reindexRoutes(service: ReindexService): Route[] {
  return [
    startRoute(service),
    // `?human` adds `start_time` where every answer gets its readable fields (`common-params.ts`).
    onDataStream('GET', '_status', ACCESS.status, () => (dataStream) => service.status(dataStream)),
    onDataStream('POST', '_cancel', ACCESS.cancel, () => (dataStream) => service.cancel(dataStream)),
    onDataStream(
      'POST',
      '_pause',
      ACCESS.pause,
      ({ query }) => {
        const now = strictBooleanParam(query, 'now', false);
        return (dataStream) => service.pause(dataStream, now);
      },
      ['now'],
    ),
    onDataStream('POST', '_resume', ACCESS.resume, () => (dataStream) => service.resume(dataStream)),
    onDataStream(
      'GET',
      '_plan',
      ACCESS.plan,
      ({ es }) =>
        (dataStream) =>
          service.plan(es, dataStream),
    ),
    listRoute(service),
  ];
}
