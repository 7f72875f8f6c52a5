import { z } from 'zod';
import { adjustmentsSchema, readAdjustments } from './adjustmentsSection';
import { backfillSchema, readBackfill } from './backfillSection';
import { migrationsSchema, readMigrations } from './migrationsSection';
import { mirrorSchema, readMirror } from './mirrorSection';
import { outboxSchema, readOutbox } from './outboxSection';
import { paritySchema, readParity } from './paritySection';
import { readRejects, rejectsSchema } from './rejectsSection';
import { readSessions, sessionsSchema } from './sessionsSection';
import { readVerify, verifySchema } from './verifySection';
import type { StatusContext } from './statusContext';

/**
 * Every section of the status, in one place: its key in the JSON, its schema and its reader. A new
 * section is one module with a schema and a reader, registered here; the
 * text, the page and --fail-on then name it by its key. Each reader fails alone: a section it cannot
 * read is null in the status and listed under `problems`, the others are still shown.
 */
export const SECTIONS = {
  migrations: { schema: migrationsSchema, read: readMigrations },
  sessions: { schema: sessionsSchema, read: readSessions },
  rejects: { schema: rejectsSchema, read: readRejects },
  backfill: { schema: backfillSchema, read: readBackfill },
  verify: { schema: verifySchema, read: readVerify },
  parity: { schema: paritySchema, read: readParity },
  outbox: { schema: outboxSchema, read: readOutbox },
  mirror: { schema: mirrorSchema, read: readMirror },
  adjustments: { schema: adjustmentsSchema, read: readAdjustments },
} as const satisfies Record<string, { schema: z.ZodTypeAny; read: (ctx: StatusContext) => Promise<unknown> }>;

export type SectionKey = keyof typeof SECTIONS;
export type Sections = { [K in SectionKey]: z.infer<(typeof SECTIONS)[K]['schema']> | null };

const sectionSchemas = Object.fromEntries(Object.entries(SECTIONS).map(([key, s]) => [key, s.schema.nullable()])) as {
  [K in SectionKey]: z.ZodNullable<(typeof SECTIONS)[K]['schema']>;
};

export const problemSchema = z.object({ section: z.string(), message: z.string() });

/** What the readers found, before the runbook's steps are worked out from it. */
export const sectionsStatusSchema = z.object({
  at: z.string(),
  database: z.string(),
  ...sectionSchemas,
  problems: z.array(problemSchema),
});
export type SectionsStatus = z.infer<typeof sectionsStatusSchema>;

/** Reads every section; the ones that fail are null and say why in `problems`. */
export async function readSections(ctx: StatusContext): Promise<SectionsStatus> {
  const problems: Array<z.infer<typeof problemSchema>> = [];
  const sections = {} as Record<SectionKey, unknown>;
  // One after the other: together they take tens of milliseconds, and the embedded database serves one statement at a time.
  for (const key of Object.keys(SECTIONS) as SectionKey[]) {
    try {
      sections[key] = await SECTIONS[key].read(ctx);
    } catch (error) {
      problems.push({ section: key, message: (error as Error).message ?? String(error) });
      sections[key] = null;
    }
  }
  return { at: new Date(ctx.nowMs).toISOString(), database: ctx.db.describe, ...(sections as Sections), problems };
}
