import { EsError } from './errors';

interface Position {
  line: number;
  column: number;
}

type ObjectState = 'start' | 'afterKey' | 'afterColon' | 'afterValue' | 'afterComma';
type ArrayState = 'start' | 'afterValue' | 'afterComma';

type Container =
  { kind: 'Object'; at: Position; state: ObjectState } | { kind: 'Array'; at: Position; state: ArrayState };

/** How the body ended, as far as a JSON parser got before it ran out of input. */
type Ending =
  { kind: 'string'; fieldName: boolean } | { kind: 'container'; container: Container } | { kind: 'other' };

const WHITESPACE = new Set([' ', '\t', '\r', '\n']);
const NUMBER_CHAR = /[0-9eE+\-.]/;

/** Jackson's `[Source: ...]` text; it shows at most 500 characters of the body. */
function source(text: string): string {
  const shown =
    text.length > 500 ? `${text.slice(0, 500)}"[truncated ${text.length - 500} bytes]` : `${text}"`;
  return `(byte[])"${shown}`;
}

function location(text: string, at: Position): string {
  return `[Source: ${source(text)}; line: ${at.line}, column: ${at.column}]`;
}

/**
 * Scans a body that `JSON.parse` refused, and tells whether it is valid JSON cut short, and where it
 * stopped. `undefined` when the body breaks JSON's grammar before its end (another error applies).
 */
function scanToEnd(text: string): { end: Position; ending: Ending } | undefined {
  const stack: Container[] = [];
  let line = 1;
  let column = 1;
  let i = 0;
  const advance = (): void => {
    if (text[i] === '\n') {
      line += 1;
      column = 1;
    } else {
      column += 1;
    }
    i += 1;
  };
  const valueDone = (): boolean => {
    const top = stack[stack.length - 1];
    if (top === undefined) return false; // a complete top-level value: JSON.parse failed elsewhere
    if (top.kind === 'Object' && top.state === 'afterColon') top.state = 'afterValue';
    else if (top.kind === 'Array' && (top.state === 'start' || top.state === 'afterComma'))
      top.state = 'afterValue';
    else return false;
    return true;
  };
  const expectsValue = (): boolean => {
    const top = stack[stack.length - 1];
    if (top === undefined) return i === 0 || text.slice(0, i).trim() === '';
    return top.kind === 'Object' ? top.state === 'afterColon' : top.state !== 'afterValue';
  };
  while (i < text.length) {
    const ch = text[i];
    const top = stack[stack.length - 1];
    if (WHITESPACE.has(ch)) {
      advance();
    } else if (ch === '{' || ch === '[') {
      if (!expectsValue()) return undefined;
      stack.push(
        ch === '{'
          ? { kind: 'Object', at: { line, column }, state: 'start' }
          : { kind: 'Array', at: { line, column }, state: 'start' },
      );
      advance();
    } else if (ch === '}' || ch === ']') {
      const closes = ch === '}' ? 'Object' : 'Array';
      if (top?.kind !== closes || !(top.state === 'start' || top.state === 'afterValue')) return undefined;
      stack.pop();
      advance();
      if (stack.length > 0 && !valueDone()) return undefined;
    } else if (ch === ':') {
      if (top?.kind !== 'Object' || top.state !== 'afterKey') return undefined;
      top.state = 'afterColon';
      advance();
    } else if (ch === ',') {
      if (top === undefined || top.state !== 'afterValue') return undefined;
      top.state = 'afterComma';
      advance();
    } else if (ch === '"') {
      const fieldName = top?.kind === 'Object' && (top.state === 'start' || top.state === 'afterComma');
      if (!fieldName && !expectsValue()) return undefined;
      advance();
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\') advance();
        advance();
      }
      if (i >= text.length) return { end: { line, column }, ending: { kind: 'string', fieldName } };
      advance();
      if (fieldName && top?.kind === 'Object') top.state = 'afterKey';
      else if (!valueDone()) return undefined;
    } else if (NUMBER_CHAR.test(ch)) {
      if (!expectsValue()) return undefined;
      while (i < text.length && NUMBER_CHAR.test(text[i])) advance();
      if (!valueDone()) return undefined;
    } else {
      // true, false, null: only whole words; a word cut short is an "unrecognized token" in ES too.
      const word = /^(true|false|null)/.exec(text.slice(i))?.[0];
      if (word === undefined || !expectsValue()) return undefined;
      for (let k = 0; k < word.length; k += 1) advance();
      if (!valueDone()) return undefined;
    }
  }
  const top = stack[stack.length - 1];
  return top === undefined
    ? undefined
    : { end: { line, column }, ending: { kind: 'container', container: top } };
}

/**
 * The error Elasticsearch answers for a JSON body that is cut short, or `undefined` when the body is
 * malformed in another way. ES (Jackson underneath) answers most endings as `x_content_e_o_f_exception`
 * "[line:col] Unexpected end of file" caused by `json_e_o_f_exception`; an ending right after a comma is
 * a plain `x_content_parse_exception`. Line and column are where the input ran out.
 */
export function truncatedJsonError(text: string): EsError | undefined {
  const scanned = scanToEnd(text);
  if (scanned === undefined) return undefined;
  const { end, ending } = scanned;
  const at = location(text, end);
  const prefix = `[${end.line}:${end.column}]`;
  const eof = (message: string): EsError =>
    new EsError(
      400,
      'x_content_e_o_f_exception',
      `${prefix} Unexpected end of file`,
      {},
      { type: 'json_e_o_f_exception', reason: `${message}\n at ${at}` },
    );
  if (ending.kind === 'string')
    return eof(`Unexpected end-of-input ${ending.fieldName ? 'in field name' : 'in VALUE_STRING'}`);
  if (ending.kind !== 'container') return undefined;
  const { container } = ending;
  if (container.state === 'afterComma') {
    const message = `Unexpected end-of-input within/between ${container.kind} entries\n at ${at}`;
    return new EsError(
      400,
      'x_content_parse_exception',
      `${prefix} ${message}`,
      {},
      {
        type: 'json_parse_exception',
        reason: message,
      },
    );
  }
  if (container.kind === 'Object' && (container.state === 'afterKey' || container.state === 'afterColon'))
    return eof('Unexpected end-of-input within/between Object entries');
  return eof(
    `Unexpected end-of-input: expected close marker for ${container.kind} (start marker at ${location(text, container.at)})`,
  );
}
