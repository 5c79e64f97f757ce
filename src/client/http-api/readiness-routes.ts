import { ACCESS } from '../service/access';
import { readinessReport } from '../service/readiness-report';
import { readReadiness } from '../../elasticsearch/readiness-inspection';
import { CLUSTER_UPGRADE_PATH } from './cluster-upgrade-routes';
import type { Route } from './routes';

/**
 * `GET /_ds_reindex/cluster/_readiness`: the readiness report, read with the caller's own credentials.
 * Always 200 when it could be made: "not ready" is an answer, not an error (`ready` and `verdict` say it).
 */
export function readinessRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: `${CLUSTER_UPGRADE_PATH}/_readiness`,
      readsBody: false,
      access: ACCESS.readiness,
      prepare({ es }) {
        return async () => ({ status: 200, body: readinessReport(await readReadiness(es)) });
      },
    },
  ];
}
