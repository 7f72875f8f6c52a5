/**
 * The flag-parsing kit of every script. It never stops at the first problem: an unknown option, a
 * missing value, a bad integer or an extra argument each becomes one line in `problems`, the caller
 * adds its own checks, and runCli prints them all and exits 2. Help lists only the flags of the
 * chosen command, with ranges and defaults written one way.
 */

export interface FlagSpec {
  /** `--batch-size`, or `--no-project` for a switch that is on unless given. */
  flag: string;
  /** Placeholder of the value (`<n>`, `<file.json>`); absent for a switch. */
  value?: string;
  /** Takes every following argument up to the next option (`--user a b c`). */
  variadic?: boolean;
  /** An integer flag: parsed and range-checked here, one way for every script. */
  int?: { min: number; max: number };
  default?: string | number | boolean;
  description: string;
  /** The commands that take this flag (all when absent). */
  only?: readonly string[];
}

export interface CliSpec {
  /** The npm script: `npm run <name> -- …`. */
  name: string;
  description: string;
  /** A leading command argument (`backfill sessions`): name → description. */
  commands?: { label: string; choices: Record<string, string> };
  flags: readonly FlagSpec[];
}

export type ParsedCommandLine =
  | { help: true; text: string }
  | {
      help: false;
      command: string | null;
      /** Flag values by camelCase key (`batchSize`, `project`), defaults applied. */
      values: Record<string, unknown>;
      /** Keys of the flags given on the command line. */
      given: ReadonlySet<string>;
      problems: string[];
    };

export const keyOf = (spec: FlagSpec): string =>
  spec.flag
    .replace(/^--(no-)?/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const negated = (spec: FlagSpec) => spec.flag.startsWith('--no-');

/** `--batch-size must be an integer from 1 to 10000, got "0"`: the one wording of a bad integer. */
export function parseInteger(value: string, flag: string, range: { min: number; max: number }, problems: string[]): number | undefined {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < range.min || n > range.max) {
    problems.push(`${flag} must be an integer from ${range.min} to ${range.max}, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return n;
}

export function parseCommandLine(spec: CliSpec, argv: readonly string[]): ParsedCommandLine {
  const problems: string[] = [];
  const positionals: string[] = [];
  const raw = new Map<FlagSpec, string[] | true>();
  const byFlag = new Map(spec.flags.map((f) => [f.flag, f]));
  let help = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const flag = byFlag.get(name);
    if (!flag) {
      const near = closest(name, [...byFlag.keys(), '--help']);
      problems.push(`unknown option ${name}${near ? ` (did you mean ${near}?)` : ''}`);
      continue;
    }
    if (flag.value === undefined) {
      if (inline !== undefined) problems.push(`${name} takes no value`);
      raw.set(flag, true);
      continue;
    }
    const values: string[] = inline !== undefined ? [inline] : [];
    while (inline === undefined && i + 1 < argv.length && !(argv[i + 1] as string).startsWith('--')) {
      values.push(argv[++i] as string);
      if (!flag.variadic) break;
    }
    // `--flag=` is a missing value too, even when a later `--flag=x` would replace it.
    if (values.length === 0 || inline === '') {
      problems.push(`${name} needs a value ${flag.value}`);
      continue;
    }
    const previous = raw.get(flag);
    // A later value would replace an earlier one unchecked (`--seconds=-1 --seconds 5` ran): once only.
    if (previous !== undefined && !flag.variadic) {
      problems.push(`${name} is given more than once (${JSON.stringify((previous as string[])[0])}, then ${JSON.stringify(values[0])}): give it once`);
      continue;
    }
    raw.set(flag, flag.variadic && Array.isArray(previous) ? [...previous, ...values] : values);
  }

  let command: string | null = null;
  if (spec.commands) {
    const choices = Object.keys(spec.commands.choices);
    const first = positionals.shift();
    const list = choices.map((c) => `"${c}"`).join(' or ');
    if (first === undefined) {
      if (!help) problems.push(`${spec.commands.label} must be ${list}; none given`);
    } else if (choices.includes(first)) command = first;
    else problems.push(`${spec.commands.label} must be ${list}, got ${JSON.stringify(first)}`);
  }
  if (help) return { help: true, text: helpText(spec, command) };
  for (const extra of positionals) problems.push(`unexpected argument ${JSON.stringify(extra)}`);

  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const flag of spec.flags) {
    const key = keyOf(flag);
    const value = raw.get(flag);
    if (value === undefined) {
      values[key] = negated(flag) ? true : flag.default;
      continue;
    }
    given.add(key);
    if (command !== null && flag.only && !flag.only.includes(command)) {
      problems.push(`${flag.flag} is an option of ${flag.only.map((c) => `${spec.name} ${c}`).join(', ')} only`);
    }
    if (value === true) values[key] = !negated(flag);
    else if (flag.variadic) values[key] = value;
    else if (flag.int) values[key] = parseInteger(value[0] as string, flag.flag, flag.int, problems) ?? flag.default;
    else values[key] = value[0];
  }
  return { help: false, command, values, given, problems };
}

function helpText(spec: CliSpec, command: string | null): string {
  const flags = spec.flags.filter((f) => command === null || !f.only || f.only.includes(command));
  const usage = spec.commands
    ? command ?? `<${Object.keys(spec.commands.choices).join('|')}>`
    : '';
  const rows: Array<[string, string]> = flags.map((f) => {
    const notes: string[] = [];
    if (f.int) notes.push(`${f.int.min}-${f.int.max}`);
    if (f.default !== undefined && !negated(f)) notes.push(`default: ${f.default}`);
    if (command === null && f.only) notes.push(`${f.only.join(', ')} only`);
    return [`${f.flag}${f.value ? ` ${f.value}${f.variadic ? '…' : ''}` : ''}`, `${f.description}${notes.length ? ` (${notes.join('; ')})` : ''}`];
  });
  rows.push(['-h, --help', 'show this help']);
  const width = Math.min(32, Math.max(...rows.map(([l]) => l.length)) + 2);
  const lines = [`Usage: npm run ${spec.name} -- ${usage ? `${usage} ` : ''}[options]`, '', spec.description, ''];
  if (spec.commands && command === null) {
    lines.push('Commands:', ...Object.entries(spec.commands.choices).map(([c, d]) => `  ${c.padEnd(width)}${d}`), '');
  }
  lines.push('Options:', ...rows.map(([l, d]) => `  ${l.padEnd(width)}${d}`));
  return lines.join('\n');
}

function closest(name: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j] as number;
      row[j] = Math.min(up + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = up;
    }
  }
  return row[b.length] as number;
}
