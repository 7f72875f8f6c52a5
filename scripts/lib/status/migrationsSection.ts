import { z } from 'zod';
import { pendingMigrations } from '../migrate/requireMigrated';
import type { StatusContext } from './statusContext';

export const migrationsSchema = z.object({
  pending: z.number().int().min(0),
  /** The pending files of sql/, in the order `npm run migrate` applies them. */
  files: z.array(z.string()),
});
export type MigrationsStatus = z.infer<typeof migrationsSchema>;

/** The migrations of sql/ the database has not applied. */
export async function readMigrations(ctx: StatusContext): Promise<MigrationsStatus> {
  const { pending } = await pendingMigrations(ctx.db.pool, ctx.db.describe);
  return { pending: pending.length, files: pending };
}
