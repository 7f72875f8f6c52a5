import { z } from 'zod';
import { readSections, sectionsStatusSchema } from './sections';
import { runbookSteps, stepSchema } from './runbookSteps';
import type { StatusContext } from './statusContext';

/** The status JSON (`npm run status -- --json`, `/status.json`): what other programs and alerting read. */
export const statusSchema = sectionsStatusSchema.extend({ steps: z.array(stepSchema) });
export type Status = z.infer<typeof statusSchema>;

export async function readStatus(ctx: StatusContext): Promise<Status> {
  const sections = await readSections(ctx);
  return { ...sections, steps: runbookSteps(sections) };
}
