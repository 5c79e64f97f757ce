import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { apiRoutes } from '../../src/client/http-api/server';
import { API_VERSION, openApiDocument, OPENAPI_PATH, routeKey } from '../../src/client/http-api/openapi';
import { ROUTE_DESCRIPTIONS } from '../../src/client/http-api/openapi-descriptions';
import type { Route } from '../../src/client/http-api/routes';
import { ReindexService } from '../../src/client/service/reindex-service';

/** The router's table; the service is only held by the routes, never called here. */
const routes: readonly Route[] = apiRoutes(
  new ReindexService({ temporal: {} as Client, taskQueue: 'unused' }),
);
const document = openApiDocument(routes);
const committed = join(__dirname, '../../docs/openapi.json');

interface Operation {
  parameters: Array<{ $ref?: string; name?: string; in?: string; description?: string }>;
  responses: Record<string, unknown>;
  requestBody?: unknown;
  summary: string;
}
const paths = document.paths as Record<string, Record<string, Operation>>;

describe('the OpenAPI document', () => {
  it('describes every route of the router, and no route the router lacks', () => {
    const served = routes.map(routeKey).sort();
    expect(Object.keys(ROUTE_DESCRIPTIONS).sort()).toEqual(served);
    const described = Object.entries(paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(described).toEqual(served);
    expect(served).toContain(`GET ${OPENAPI_PATH}`);
  });

  it('refuses to build with a route it does not describe, or a description without its route', () => {
    const extra: Route = { ...routes[0], path: '/_ds_reindex/undescribed' };
    expect(() => openApiDocument([...routes, extra])).toThrow(
      'no OpenAPI description for route POST /_ds_reindex/undescribed',
    );
    const withoutStatus = routes.filter(
      (route) => routeKey(route) !== 'GET /_migration/reindex/{dataStream}/_status',
    );
    expect(() => openApiDocument(withoutStatus)).toThrow(
      'OpenAPI descriptions without a route: GET /_migration/reindex/{dataStream}/_status',
    );
  });

  it('is OpenAPI 3.1 with responses, parameters and the four common query parameters on every operation', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    const info = document.info as { title: string; version: string };
    expect(info.title.length > 0).toBe(true);
    expect(info.version).toBe(API_VERSION);
    const components = document.components as {
      parameters: Record<string, unknown>;
      schemas: Record<string, unknown>;
    };
    expect(Object.keys(components.parameters).sort()).toEqual([
      'error_trace',
      'filter_path',
      'human',
      'pretty',
    ]);
    for (const route of routes) {
      const op = paths[route.path][route.method.toLowerCase()];
      const where = routeKey(route);
      expect([where, op.summary.length > 0]).toEqual([where, true]);
      expect([where, Object.keys(op.responses).sort()]).toEqual([where, ['200', 'default']]);
      const refs = op.parameters.flatMap((p) =>
        p.$ref ? [p.$ref.replace('#/components/parameters/', '')] : [],
      );
      expect([where, refs.sort()]).toEqual([where, ['error_trace', 'filter_path', 'human', 'pretty']]);
      const named = op.parameters.filter((p) => p.name !== undefined);
      const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name);
      expect([where, named.filter((p) => p.in === 'path').map((p) => p.name)]).toEqual([where, pathParams]);
      expect([where, named.filter((p) => p.in === 'query').map((p) => p.name)]).toEqual([
        where,
        [...(route.queryParams ?? [])],
      ]);
      expect([where, named.every((p) => (p.description ?? '').length > 0)]).toEqual([where, true]);
      expect([where, op.requestBody !== undefined]).toEqual([where, route.readsBody]);
    }
    const operationIds = Object.values(paths).flatMap((methods) =>
      Object.values(methods).map((op) => (op as Operation & { operationId: string }).operationId),
    );
    expect(new Set(operationIds).size).toBe(routes.length);
    // Every reference points at something in the document.
    const text = JSON.stringify(document);
    for (const [, section, name] of text.matchAll(/"#\/components\/(\w+)\/(\w+)"/g)) {
      expect([
        section,
        name,
        (document.components as Record<string, Record<string, unknown>>)[section]?.[name] !== undefined,
      ]).toEqual([section, name, true]);
    }
  });

  it('is kept in the repository as docs/openapi.json', () => {
    // To refresh it: UPDATE_OPENAPI=1 npx jest --selectProjects unit --testPathPatterns openapi,
    // then npx prettier --write docs/openapi.json (the layout is prettier's; the content is compared).
    if (process.env.UPDATE_OPENAPI === '1')
      writeFileSync(committed, `${JSON.stringify(document, null, 2)}\n`);
    expect(JSON.parse(readFileSync(committed, 'utf8'))).toEqual(document);
  });

  it("carries ds-reindex's version", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as {
      version: string;
    };
    expect(API_VERSION).toBe(pkg.version);
  });
});
