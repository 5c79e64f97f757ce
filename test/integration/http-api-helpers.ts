import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One answer of the HTTP API, read raw so tests see exactly what a client would. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: string | Buffer; contentType?: string; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: options.body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Elasticsearch's error body for one cause, as the tests expect it. */
export function esError(status: number, type: string, reason: string): unknown {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

interface StubUser {
  password: string;
  roles: string[];
  /** Data streams the user holds `manage` on. */
  manages: string[];
  /** Cluster privileges the user holds (`manage` implies `monitor`). @default ['manage'] */
  cluster?: string[];
}

/** Elasticsearch's challenges, as a secured 8.19 node over HTTP sends them. */
const CHALLENGES = ['Basic realm="security", charset="UTF-8"', 'ApiKey'];

/**
 * The sandbox has no security, so this stands in front of it: it answers `_has_privileges` and
 * `_authenticate` in Elasticsearch's shapes for a few fixed users, refuses unauthenticated requests as a
 * secured cluster does, and forwards everything else, recording which Authorization each request carried.
 */
export class SecuredClusterStub {
  readonly forwardedAuthorizations: string[] = [];
  private server?: Server;

  constructor(
    private readonly upstreamUrl: string,
    private readonly users: Record<string, StubUser>,
  ) {}

  private userOf(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return undefined;
    const [name, password] = Buffer.from(header.slice(6), 'base64').toString().split(':');
    return name !== undefined && this.users[name]?.password === password ? name : undefined;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const reply = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
          res.end(JSON.stringify(body));
        };
        const user = this.userOf(req);
        const path = new URL(req.url ?? '/', 'http://stub').pathname;
        if (user === undefined) {
          const reason = `missing authentication credentials for REST request [${req.url}]`;
          const cause = { type: 'security_exception', reason, header: { 'WWW-Authenticate': CHALLENGES } };
          res.setHeader('www-authenticate', CHALLENGES);
          reply(401, { error: { root_cause: [cause], ...cause }, status: 401 });
          return;
        }
        const account = this.users[user];
        if (path === '/_security/_authenticate') {
          reply(200, { username: user, roles: account.roles, enabled: true });
          return;
        }
        if (path === '/_security/user/_has_privileges') {
          const request = JSON.parse(Buffer.concat(chunks).toString()) as {
            cluster?: string[];
            index?: { names: string[] }[];
          };
          const index: Record<string, { manage: boolean }> = {};
          for (const name of request.index?.[0]?.names ?? [])
            index[name] = { manage: account.manages.includes(name) };
          const held = account.cluster ?? ['manage'];
          const cluster = Object.fromEntries(
            (request.cluster ?? []).map((privilege) => [
              privilege,
              held.includes(privilege) || (privilege === 'monitor' && held.includes('manage')),
            ]),
          );
          reply(200, {
            username: user,
            has_all_requested: [
              ...Object.values(index).map((entry) => entry.manage),
              ...Object.values(cluster),
            ].every(Boolean),
            cluster,
            index,
            application: {},
          });
          return;
        }
        this.forwardedAuthorizations.push(req.headers.authorization ?? '');
        const headers: Record<string, string> = {};
        if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
        fetch(`${this.upstreamUrl}${req.url}`, {
          method: req.method,
          headers,
          body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
        })
          .then(async (upstream) => {
            res.writeHead(upstream.status, {
              'content-type': upstream.headers.get('content-type') ?? 'application/json',
              'x-elastic-product': 'Elasticsearch',
            });
            res.end(Buffer.from(await upstream.arrayBuffer()));
          })
          .catch(() => res.destroy());
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
