import type { z } from 'zod';
import type { Adjustment, AdjustmentKind } from '../../../functions/src/db/streakAdjustments';
import { readableFile } from '../cli/fileFlags';
import { adjustmentFields, fieldValue } from './adjustmentFields';
import { contentAdjustmentId, freshAdjustmentId } from './adjustmentId';
import type { AdjustStreaksFlags } from './adjustStreaksCli';
import { readRepairFile } from './repairFile';

/** An adjustment the command line asks for; `line` is its line of --from-file. */
export interface PlannedAdjustment {
  adjustment: Adjustment;
  line?: number;
}

export interface AdjustCommandLine {
  command: AdjustmentKind;
  flags: AdjustStreaksFlags;
  /** The flags given (parseCommandLine's `given`): a refused --count is reported once, not also as missing. */
  given: ReadonlySet<string>;
  problems: string[];
}

/** What every adjustment of one run carries alike. */
type Common = { reason: string; actor: string };

/**
 * The adjustments a command line asks for, every one checked, or the problems with it: a problem
 * anywhere (one bad line of a file included) means none of them is applied.
 */
export function plannedAdjustments(cli: AdjustCommandLine, actor: string): PlannedAdjustment[] {
  // Checked aside, so its line comes after the command's own, in the order of the usage line.
  const reasonProblems: string[] = [];
  const reason = cli.flags.reason === undefined ? void reasonProblems.push('--reason <text> is required: say why, it is kept with the adjustment') : fieldValue(adjustmentFields.reason, cli.flags.reason, '--reason', reasonProblems);
  const common = reason === undefined ? undefined : { reason, actor };
  const planned = plannedOf(cli, common);
  cli.problems.push(...reasonProblems);
  return planned;
}

function plannedOf(cli: AdjustCommandLine, common: Common | undefined): PlannedAdjustment[] {
  switch (cli.command) {
    case 'grant-freezes':
      return grant(cli, common);
    case 'repair':
      return cli.flags.fromFile === undefined ? repair(cli, common) : repairFile(cli, cli.flags.fromFile, common);
    case 'day-start':
      return dayStart(cli, common);
    case 'revoke':
      return revoke(cli, common);
  }
}

function grant(cli: AdjustCommandLine, common: Common | undefined): PlannedAdjustment[] {
  const userId = required(cli, 'user', '--user', '<uid>', adjustmentFields.user);
  const count = required(cli, 'count', '--count', '<n>');
  const effectiveFrom = required(cli, 'effective', '--effective', '<YYYY-MM-DD>', adjustmentFields.date);
  const id = optionalId(cli);
  if (!common || userId === undefined || count === undefined || effectiveFrom === undefined || id === null) return [];
  return [{ adjustment: { id: id ?? contentAdjustmentId('grant-freezes', [userId, effectiveFrom, count, common.reason]), kind: 'grant-freezes', userId, count, effectiveFrom, ...common } }];
}

function repair(cli: AdjustCommandLine, common: Common | undefined): PlannedAdjustment[] {
  const userId = required(cli, 'user', '--user', '<uid>', adjustmentFields.user);
  const date = required(cli, 'date', '--date', '<YYYY-MM-DD> (or --from-file <file>)', adjustmentFields.date);
  const id = optionalId(cli);
  if (!common || userId === undefined || date === undefined || id === null) return [];
  return [{ adjustment: { id: id ?? contentAdjustmentId('repair', [userId, date, common.reason]), kind: 'repair', userId, date, ...common } }];
}

function repairFile(cli: AdjustCommandLine, fromFile: string, common: Common | undefined): PlannedAdjustment[] {
  const { flags, problems } = cli;
  if (flags.user !== undefined || flags.date !== undefined) problems.push('repair takes either --user and --date, or --from-file, not both');
  if (flags.id !== undefined) problems.push('--id names one adjustment: with --from-file each line gets its own id, derived from the line');
  const fileProblems: string[] = [];
  const file = readableFile(fromFile, '--from-file', fileProblems);
  problems.push(...fileProblems);
  // Only a regular file is read: a FIFO or a device could block or never end.
  if (file === null || fileProblems.length > 0) return [];
  const lines = readRepairFile(file, `--from-file ${fromFile}`, problems);
  if (!common) return [];
  return lines.map(({ line, userId, date }) => ({ line, adjustment: { id: contentAdjustmentId('repair', [userId, date, common.reason]), kind: 'repair', userId, date, ...common } }));
}

function dayStart(cli: AdjustCommandLine, common: Common | undefined): PlannedAdjustment[] {
  const userId = required(cli, 'user', '--user', '<uid>', adjustmentFields.user);
  const minutes = required(cli, 'minutes', '--minutes', '<m>', adjustmentFields.minutes);
  const effectiveFrom = required(cli, 'effective', '--effective', '<YYYY-MM-DD>', adjustmentFields.date);
  const id = optionalId(cli);
  if (!common || userId === undefined || minutes === undefined || effectiveFrom === undefined || id === null) return [];
  return [{ adjustment: { id: id ?? freshAdjustmentId('day-start'), kind: 'day-start', userId, minutes, effectiveFrom, ...common } }];
}

function revoke(cli: AdjustCommandLine, common: Common | undefined): PlannedAdjustment[] {
  const revokes = required(cli, 'id', '--id', '<adjustment id>', adjustmentFields.id);
  if (!common || revokes === undefined) return [];
  return [{ adjustment: { id: freshAdjustmentId('revoke'), kind: 'revoke', revokes, ...common } }];
}

/**
 * A flag the command needs: its value checked by `schema` (without one, parseCommandLine checked it:
 * --count is an integer flag), or undefined with the problem recorded.
 */
function required<K extends keyof AdjustStreaksFlags>(
  cli: AdjustCommandLine,
  key: K,
  flag: string,
  placeholder: string,
  schema?: z.ZodType<NonNullable<AdjustStreaksFlags[K]>, z.ZodTypeDef, unknown>,
): NonNullable<AdjustStreaksFlags[K]> | undefined {
  const value = cli.flags[key];
  if (value === undefined) {
    // Given yet undefined: parseCommandLine refused its value and said so already.
    if (!cli.given.has(key)) cli.problems.push(`${cli.command} needs ${flag} ${placeholder}`);
    return undefined;
  }
  return schema ? fieldValue(schema, value, flag, cli.problems) : value;
}

/** --id of a grant, repair or day-start change: undefined when absent (the command makes one), null when refused. */
function optionalId(cli: AdjustCommandLine): string | undefined | null {
  if (cli.flags.id === undefined) return undefined;
  return fieldValue(adjustmentFields.id, cli.flags.id, '--id', cli.problems) ?? null;
}
