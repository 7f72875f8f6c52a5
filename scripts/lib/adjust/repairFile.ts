import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { adjustmentFields, fieldValue } from './adjustmentFields';

/** One date to repair, from line `line` of a --from-file. */
export interface RepairLine {
  line: number;
  userId: string;
  date: string;
}

// `uid,date`, split at the last comma: a date has none, a uid may.
const repairLineSchema = z
  .string()
  .refine((text) => text.includes(','), 'must be uid,YYYY-MM-DD')
  .transform((text) => ({ uid: text.slice(0, text.lastIndexOf(',')), date: text.slice(text.lastIndexOf(',') + 1).trim() }))
  .pipe(z.object({ uid: adjustmentFields.user, date: adjustmentFields.date }));

/**
 * The `uid,date` lines of a repair file (blank lines and `#` comments skipped). Every bad line is a
 * problem naming its number, so the operator fixes the file once and nothing of it is applied before.
 */
export function readRepairFile(file: string, shownAs: string, problems: string[]): RepairLine[] {
  const lines: RepairLine[] = [];
  const before = problems.length;
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      const text = raw.replace(/\r$/, '');
      if (text.trim() === '' || text.trim().startsWith('#')) return;
      const parsed = fieldValue(repairLineSchema, text, `${shownAs} line ${index + 1}`, problems);
      if (parsed) lines.push({ line: index + 1, userId: parsed.uid, date: parsed.date });
    });
  if (lines.length === 0 && problems.length === before) problems.push(`${shownAs}: no uid,date lines`);
  return lines;
}
