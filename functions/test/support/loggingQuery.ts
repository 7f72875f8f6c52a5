// The subset of the Cloud Logging query language the .monitoring/ filters use, evaluated against log
// entries in memory: comparisons `field OP value` (=, !=, : (has, case-insensitive; `:*` = present),
// =~, !~, and >= / <= / > / < on severity), AND, OR, NOT and parentheses; fields under jsonPayload.,
// resource., labels. and severity. Anything else is refused, so a filter using more than this evaluator
// knows fails loudly instead of being judged wrongly. Also the two extractor functions of log-based
// metrics, EXTRACT(field) and REGEXP_EXTRACT(field, "regex").

export interface LogEntry {
  severity: string;
  resource: { type: string; labels?: Record<string, string> };
  jsonPayload: Record<string, unknown>;
  labels?: Record<string, string>;
}

type Token = { kind: 'str' | 'word' | 'op' | 'paren'; text: string };
type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; operand: Node }
  | { kind: 'cmp'; field: string; op: string; value: string; quoted: boolean };

const SEVERITIES = ['DEFAULT', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'];
const ROOTS = ['jsonPayload', 'resource', 'labels', 'severity'];

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '(' || c === ')') tokens.push({ kind: 'paren', text: c }), i++;
    else if (c === '"') {
      let text = '';
      i++;
      while (i < query.length && query[i] !== '"') {
        if (query[i] === '\\') i++;
        text += query[i++];
      }
      if (query[i] !== '"') throw new Error(`unterminated string in ${query}`);
      i++;
      tokens.push({ kind: 'str', text });
    } else {
      const op = /^(=~|!~|!=|>=|<=|=|:|<|>)/.exec(query.slice(i));
      if (op) tokens.push({ kind: 'op', text: op[1]! }), (i += op[1]!.length);
      else {
        const word = /^[A-Za-z0-9_.*\/-]+/.exec(query.slice(i));
        if (!word) throw new Error(`unexpected ${JSON.stringify(c)} at ${i} in ${query}`);
        tokens.push({ kind: 'word', text: word[0] });
        i += word[0].length;
      }
    }
  }
  return tokens;
}

/** Parses a filter of the supported subset; throws on anything outside it. */
export function parseLoggingQuery(query: string): Node {
  const tokens = tokenize(query);
  let at = 0;
  const peek = () => tokens[at];
  const take = () => tokens[at++];
  const orExpr = (): Node => {
    let left = andExpr();
    while (peek()?.kind === 'word' && peek()!.text === 'OR') take(), (left = { kind: 'or', left, right: andExpr() });
    return left;
  };
  const andExpr = (): Node => {
    let left = unary();
    while (peek()?.kind === 'word' && peek()!.text === 'AND') take(), (left = { kind: 'and', left, right: unary() });
    return left;
  };
  const unary = (): Node => {
    const t = take();
    if (!t) throw new Error(`unexpected end of ${query}`);
    if (t.kind === 'word' && t.text === 'NOT') return { kind: 'not', operand: unary() };
    if (t.kind === 'paren' && t.text === '(') {
      const inner = orExpr();
      if (take()?.text !== ')') throw new Error(`missing ) in ${query}`);
      return inner;
    }
    if (t.kind !== 'word' || !ROOTS.includes(t.text.split('.')[0]!)) throw new Error(`unsupported term ${JSON.stringify(t.text)} in ${query}`);
    const op = take();
    const value = take();
    if (op?.kind !== 'op' || !value || (value.kind !== 'str' && value.kind !== 'word')) throw new Error(`bad comparison after ${t.text} in ${query}`);
    return { kind: 'cmp', field: t.text, op: op.text, value: value.text, quoted: value.kind === 'str' };
  };
  const node = orExpr();
  if (at !== tokens.length) throw new Error(`unexpected ${JSON.stringify(tokens[at]!.text)} in ${query} (implicit AND is not supported here: write AND)`);
  return node;
}

function fieldOf(entry: LogEntry, field: string): unknown {
  return field.split('.').reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), entry);
}

function compare(entry: LogEntry, node: Extract<Node, { kind: 'cmp' }>): boolean {
  const raw = fieldOf(entry, node.field);
  if (node.op === ':' && node.value === '*' && !node.quoted) return raw !== undefined && raw !== null;
  if (raw === undefined || raw === null) return node.op === '!=' || node.op === '!~';
  const actual = typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
  switch (node.op) {
    case '=':
      return actual === node.value;
    case '!=':
      return actual !== node.value;
    case ':':
      return actual.toLowerCase().includes(node.value.toLowerCase());
    case '=~':
      return new RegExp(node.value).test(actual);
    case '!~':
      return !new RegExp(node.value).test(actual);
    default: {
      if (node.field !== 'severity') throw new Error(`${node.op} is supported on severity only`);
      const a = SEVERITIES.indexOf(actual);
      const b = SEVERITIES.indexOf(node.value);
      return node.op === '>=' ? a >= b : node.op === '<=' ? a <= b : node.op === '>' ? a > b : a < b;
    }
  }
}

function evaluate(node: Node, entry: LogEntry): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, entry) && evaluate(node.right, entry);
    case 'or':
      return evaluate(node.left, entry) || evaluate(node.right, entry);
    case 'not':
      return !evaluate(node.operand, entry);
    case 'cmp':
      return compare(entry, node);
  }
}

/** Whether `entry` matches `query`. */
export function matchesLoggingQuery(query: string, entry: LogEntry): boolean {
  return evaluate(parseLoggingQuery(query), entry);
}

/** The value a metric's extractor takes from an entry (null: the extraction fails, the label gets its default). */
export function extractValue(extractor: string, entry: LogEntry): string | null {
  const plain = /^EXTRACT\(([\w.]+)\)$/.exec(extractor);
  const regexp = /^REGEXP_EXTRACT\(([\w.]+),\s*"((?:[^"\\]|\\.)*)"\)$/.exec(extractor);
  const field = plain?.[1] ?? regexp?.[1];
  if (!field) throw new Error(`unsupported extractor ${extractor}`);
  const raw = fieldOf(entry, field);
  if (raw === undefined || raw === null) return null;
  const text = String(raw);
  if (plain) return text;
  const match = new RegExp(regexp![2]!.replace(/\\"/g, '"')).exec(text);
  return match?.[1] ?? null;
}

/** The entry Cloud Logging makes of a structured line a function wrote: the special fields leave jsonPayload. */
export function entryOfLine(line: Record<string, unknown>, resourceType = 'cloud_run_revision'): LogEntry {
  const jsonPayload = Object.fromEntries(Object.entries(line).filter(([key]) => key !== 'severity' && !key.startsWith('logging.googleapis.com/')));
  return { severity: String(line.severity ?? 'DEFAULT'), resource: { type: resourceType }, jsonPayload };
}
