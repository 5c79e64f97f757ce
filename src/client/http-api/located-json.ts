/**
 * A strict JSON parser that keeps each token's line and column, so that body errors can name where they
 * are as Elasticsearch does (`[1:2] [migration_reindex] unknown field [foo]`). Elasticsearch's locations
 * are 1-based and point at the start of the token.
 */

export interface Location {
  line: number;
  column: number;
}

export type LocatedValue =
  | { kind: 'object'; start: Location; end: Location; entries: LocatedEntry[] }
  | { kind: 'array'; start: Location; end: Location; items: LocatedValue[] }
  | { kind: 'string'; start: Location; end: Location; value: string }
  | { kind: 'number'; start: Location; end: Location; value: number }
  | { kind: 'boolean'; start: Location; end: Location; value: boolean }
  | { kind: 'null'; start: Location; end: Location };

export interface LocatedEntry {
  key: string;
  keyLocation: Location;
  value: LocatedValue;
}

/** A syntax error, with the location of the offending character. */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    readonly location: Location,
    readonly description: string,
  ) {
    super(`[${location.line}:${location.column}] ${description}`);
  }
}

/** Elasticsearch's token names, used in its "doesn't support values of type" messages. */
export function tokenName(value: LocatedValue): string {
  switch (value.kind) {
    case 'object':
      return 'START_OBJECT';
    case 'array':
      return 'START_ARRAY';
    case 'string':
      return 'VALUE_STRING';
    case 'number':
      return 'VALUE_NUMBER';
    case 'boolean':
      return 'VALUE_BOOLEAN';
    case 'null':
      return 'VALUE_NULL';
  }
}

/** The plain JavaScript value, for forwarding a validated body. */
export function plainValue(value: LocatedValue): unknown {
  switch (value.kind) {
    case 'object':
      return Object.fromEntries(value.entries.map((entry) => [entry.key, plainValue(entry.value)]));
    case 'array':
      return value.items.map(plainValue);
    case 'null':
      return null;
    default:
      return value.value;
  }
}

class Parser {
  private position = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly text: string) {}

  private location(): Location {
    return { line: this.line, column: this.position - this.lineStart + 1 };
  }

  private fail(description: string): never {
    throw new JsonSyntaxError(this.location(), description);
  }

  private unexpected(expectation: string): never {
    if (this.position >= this.text.length) this.fail(`Unexpected end-of-input: ${expectation}`);
    const char = this.text[this.position];
    this.fail(`Unexpected character ('${char}' (code ${char.charCodeAt(0)})): ${expectation}`);
  }

  private skipWhitespace(): void {
    while (this.position < this.text.length) {
      const char = this.text[this.position];
      if (char === '\n') {
        this.position += 1;
        this.line += 1;
        this.lineStart = this.position;
      } else if (char === ' ' || char === '\t' || char === '\r') {
        this.position += 1;
      } else {
        return;
      }
    }
  }

  parseDocument(): LocatedValue {
    this.skipWhitespace();
    const value = this.parseValue('expected a value');
    this.skipWhitespace();
    if (this.position < this.text.length) this.unexpected('expected end of the document');
    return value;
  }

  private parseValue(expectation: string): LocatedValue {
    const start = this.location();
    const char = this.text[this.position];
    if (char === '{') return this.parseObject(start);
    if (char === '[') return this.parseArray(start);
    if (char === '"') return { kind: 'string', start, end: start, value: this.parseString() };
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
      return { kind: 'number', start, end: start, value: this.parseNumber() };
    }
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.position)) {
        this.position += word.length;
        return value === null
          ? { kind: 'null', start, end: start }
          : { kind: 'boolean', start, end: start, value };
      }
    }
    if (char !== undefined && /[A-Za-z]/.test(char)) {
      // A bare word: reported once the whole token is read, naming it.
      const word = /^[A-Za-z0-9_$]+/.exec(this.text.slice(this.position))![0];
      this.position += word.length;
      this.fail(
        `Unrecognized token '${word}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')`,
      );
    }
    return this.unexpected(expectation);
  }

  private parseObject(start: Location): LocatedValue {
    this.position += 1;
    const entries: LocatedEntry[] = [];
    this.skipWhitespace();
    if (this.text[this.position] === '}') {
      const end = this.location();
      this.position += 1;
      return { kind: 'object', start, end, entries };
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.position] !== '"') this.unexpected('was expecting double-quote to start field name');
      const keyLocation = this.location();
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.position] !== ':')
        this.unexpected('was expecting a colon to separate field name and value');
      this.position += 1;
      this.skipWhitespace();
      entries.push({ key, keyLocation, value: this.parseValue('expected a valid value') });
      this.skipWhitespace();
      const end = this.location();
      if (this.text[this.position] === '}') {
        this.position += 1;
        return { kind: 'object', start, end, entries };
      }
      if (this.text[this.position] !== ',') this.unexpected('was expecting comma to separate Object entries');
      this.position += 1;
    }
  }

  private parseArray(start: Location): LocatedValue {
    this.position += 1;
    const items: LocatedValue[] = [];
    this.skipWhitespace();
    if (this.text[this.position] === ']') {
      const end = this.location();
      this.position += 1;
      return { kind: 'array', start, end, items };
    }
    for (;;) {
      this.skipWhitespace();
      items.push(this.parseValue('expected a valid value'));
      this.skipWhitespace();
      const end = this.location();
      if (this.text[this.position] === ']') {
        this.position += 1;
        return { kind: 'array', start, end, items };
      }
      if (this.text[this.position] !== ',') this.unexpected('was expecting comma to separate Array entries');
      this.position += 1;
    }
  }

  private parseString(): string {
    // JSON.parse does the unescaping; this only finds where the string ends.
    const begin = this.position;
    this.position += 1;
    while (this.position < this.text.length) {
      const char = this.text[this.position];
      if (char === '\\') this.position += 2;
      else if (char === '"') {
        this.position += 1;
        try {
          return JSON.parse(this.text.slice(begin, this.position)) as string;
        } catch {
          this.position = begin;
          this.fail('Invalid string value');
        }
      } else if (char === '\n') this.fail('Illegal unquoted character ((CTRL-CHAR, code 10)) in a string');
      else this.position += 1;
    }
    return this.fail('Unexpected end-of-input in a String value');
  }

  private parseNumber(): number {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.position));
    if (!match) this.unexpected('expected digit (0-9) to follow minus sign, for valid numeric value');
    this.position += match[0].length;
    return Number(match[0]);
  }
}

/** Parses a whole JSON document; throws `JsonSyntaxError` with Elasticsearch-style locations. */
export function parseLocatedJson(text: string): LocatedValue {
  return new Parser(text).parseDocument();
}
