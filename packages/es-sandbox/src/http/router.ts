import { illegalArgument } from './errors';
import type { SandboxRequest, SandboxResponse } from './request';

export type Handler = (req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

interface Route {
  method: string;
  pattern: string;
  segments: string[];
  literalCount: number;
  handler: Handler;
}

export interface RouteMatch {
  /** `METHOD /pattern`, the key request counters use. */
  key: string;
  handler: Handler;
  params: Record<string, string>;
}

/** The 405 ES answers when the path exists for other methods (a plain body, as ES 8 sends it). */
export class MethodNotAllowed extends Error {
  constructor(
    readonly path: string,
    readonly method: string,
    readonly allowed: string[],
  ) {
    super(`Incorrect HTTP method for uri [${path}] and method [${method}], allowed: [${allowed.join(', ')}]`);
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

/**
 * A path-segment router. Literal segments win over `{param}` ones (ES's path trie does the same), so
 * `/_data_stream/{name}` is tried before `/{index}/{type}`.
 */
export class Router {
  private readonly routes: Route[] = [];

  add(methods: string | string[], pattern: string, handler: Handler): this {
    const segments = splitPath(pattern);
    const literalCount = segments.filter((s) => !s.startsWith('{')).length;
    for (const method of Array.isArray(methods) ? methods : [methods]) {
      this.routes.push({ method, pattern, segments, literalCount, handler });
    }
    this.routes.sort((a, b) => b.literalCount - a.literalCount || a.segments.length - b.segments.length);
    return this;
  }

  /**
   * The most specific pattern that matches the path decides: if it has no handler for the method, the
   * answer is 405 (ES does the same: `DELETE /_reindex` is 405, not an index deletion).
   */
  match(method: string, path: string, uri = path): RouteMatch {
    const parts = splitPath(path).map((p) => decodeURIComponent(p));
    let chosen: string | undefined;
    const allowed = new Set<string>();
    for (const route of this.routes) {
      if (chosen !== undefined && route.pattern !== chosen) continue;
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      chosen = route.pattern;
      if (route.method === method)
        return { key: `${method} ${route.pattern}`, handler: route.handler, params };
      allowed.add(route.method);
    }
    if (allowed.size > 0) throw new MethodNotAllowed(uri, method, [...allowed].sort());
    throw illegalArgument(`no handler found for uri [${uri}] and method [${method}]`);
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const seg = pattern[i];
    const part = parts[i];
    if (seg.startsWith('{')) params[seg.slice(1, -1)] = part;
    else if (seg !== part) return undefined;
  }
  return params;
}
