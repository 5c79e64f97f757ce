import type { IncomingMessage } from 'node:http';
import { ElasticsearchApiError } from '../service/api-error';
import { PlainErrorAnswer, RequestTooLargeAnswer } from './answers';
import { JsonSyntaxError, parseLocatedJson, type LocatedValue } from './located-json';

/** Media types whose bodies this server can read: JSON in the forms Elasticsearch's clients send. */
const JSON_MEDIA_TYPES = new Set([
  'application/json',
  'application/x-ndjson',
  'application/vnd.elasticsearch+json',
  'application/vnd.elasticsearch+x-ndjson',
]);

/**
 * Reads the body, refusing more than `maxBytes` as Elasticsearch does with `http.max_content_length`:
 * a declared length over the limit is refused before a byte is read.
 */
export async function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw new RequestTooLargeAnswer();
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    received += buffer.length;
    if (received > maxBytes) throw new RequestTooLargeAnswer();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Elasticsearch checks the content type of every request that has a body, before routing it. */
export function checkContentType(req: IncomingMessage, body: Buffer): void {
  if (body.length === 0) return;
  const header = req.headers['content-type'];
  if (header === undefined || header === '') {
    throw new PlainErrorAnswer(406, 'Content-Type header is missing');
  }
  const mediaType = header.split(';')[0].trim().toLowerCase();
  if (!JSON_MEDIA_TYPES.has(mediaType)) {
    throw new PlainErrorAnswer(406, `Content-Type header [${header}] is not supported`);
  }
}

/** Parses a required JSON body: Elasticsearch's `request body is required` when there is none. */
export function parseRequiredJsonBody(body: Buffer): LocatedValue {
  const text = body.toString('utf8');
  if (text.trim() === '') {
    throw new ElasticsearchApiError(400, 'parse_exception', 'request body is required');
  }
  try {
    return parseLocatedJson(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      throw new ElasticsearchApiError(400, 'x_content_parse_exception', err.message);
    }
    throw err;
  }
}
