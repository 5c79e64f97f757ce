import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Sends a body already written (`common-params.ts` applies `pretty`, `human`, `filter_path` and
 * `error_trace`). Every answer carries `X-Elastic-Product: Elasticsearch`: the official clients refuse a server without
 * it. A caller that asked for Elasticsearch's versioned media type gets it back, as Elasticsearch does.
 */
export function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string | readonly string[]> = {},
): void {
  const accept = req.headers.accept ?? '';
  const compatible = /compatible-with=(\d+)/.exec(accept);
  const contentType =
    accept.includes('vnd.elasticsearch+json') && compatible
      ? `application/vnd.elasticsearch+json;compatible-with=${compatible[1]}`
      : 'application/json';
  res.writeHead(status, {
    ...headers,
    'X-Elastic-Product': 'Elasticsearch',
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The empty answer Elasticsearch gives an oversized request, closing the connection. */
export function sendTooLarge(res: ServerResponse): void {
  res.writeHead(413, { 'X-Elastic-Product': 'Elasticsearch', 'Content-Length': 0, Connection: 'close' });
  res.end();
}
