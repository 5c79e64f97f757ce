import { resourceNotFound } from '../http/errors';
import { jsonBody, ok, type JsonObject } from '../http/request';
import type { Router } from '../http/router';
import type { ClusterState } from '../state/cluster-state';
import { wildcardToRegExp } from '../state/resolve';
import { validatePipeline } from '../engine/ingest';

export function registerIngest(router: Router, state: ClusterState): void {
  router
    .add('PUT', '/_ingest/pipeline/{id}', (req) => {
      const body = jsonBody(req, true) as JsonObject;
      validatePipeline(body);
      state.pipelines.set(req.params.id ?? '', body);
      state.changed();
      return ok({ acknowledged: true });
    })
    .add('GET', '/_ingest/pipeline', () => ok(Object.fromEntries(state.pipelines)))
    .add('GET', '/_ingest/pipeline/{id}', (req) => {
      const out: JsonObject = {};
      for (const part of (req.params.id ?? '').split(',')) {
        const re = wildcardToRegExp(part);
        for (const [id, body] of state.pipelines) if (re.test(id)) out[id] = body;
      }
      // ES answers a missing pipeline with 404 and an empty object, not an error body.
      return ok(out, Object.keys(out).length === 0 ? 404 : 200);
    })
    .add('DELETE', '/_ingest/pipeline/{id}', (req) => {
      const id = req.params.id ?? '';
      const re = wildcardToRegExp(id);
      const matches = [...state.pipelines.keys()].filter((k) => re.test(k));
      if (matches.length === 0) throw resourceNotFound(`pipeline [${id}] is missing`);
      for (const k of matches) state.pipelines.delete(k);
      state.changed();
      return ok({ acknowledged: true });
    });
}
