import { z } from 'zod';

/** The task of a Cloud Run Jobs execution this process is, as the engine's environment describes it. */
export interface CloudRunTask {
  job: string;
  execution: string;
  /** 0-based, below count. */
  index: number;
  count: number;
  /** 0 for the first attempt; the engine retries a failed task (--max-retries) with 1, 2, … */
  attempt: number;
}

const count = z.string().regex(/^\d+$/, 'an integer').transform(Number);
// Execution names are lower-case DNS labels (job name plus a suffix); they become run ids, so they are held to that.
const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a Cloud Run name (a-z, 0-9, -; at most 63)');
const taskVariables = z.object({
  CLOUD_RUN_JOB: name,
  CLOUD_RUN_EXECUTION: name,
  CLOUD_RUN_TASK_INDEX: count,
  CLOUD_RUN_TASK_COUNT: count.refine((n) => n >= 1 && n <= 10_000, 'from 1 to 10000'),
  CLOUD_RUN_TASK_ATTEMPT: count,
});
const taskEnv = taskVariables.refine((e) => e.CLOUD_RUN_TASK_INDEX < e.CLOUD_RUN_TASK_COUNT, { message: 'below CLOUD_RUN_TASK_COUNT', path: ['CLOUD_RUN_TASK_INDEX'] });

/**
 * The Cloud Run Jobs task of this process: null outside a job (no CLOUD_RUN_EXECUTION), else all five
 * variables, checked. A half-set environment is a problem, not a plain run: it would read every key.
 */
export function cloudRunTask(env: NodeJS.ProcessEnv): { ok: true; task: CloudRunTask | null } | { ok: false; problems: string[] } {
  const present = Object.keys(taskVariables.shape).filter((k) => env[k] !== undefined);
  if (env.CLOUD_RUN_EXECUTION === undefined) {
    return present.length === 0 ? { ok: true, task: null } : { ok: false, problems: [`${present.join(', ')} set without CLOUD_RUN_EXECUTION: not a Cloud Run Jobs task`] };
  }
  const parsed = taskEnv.safeParse(env);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => `Cloud Run Jobs environment: ${i.path.join('.')} ${i.message === 'Required' ? 'is not set' : `must be ${i.message}`}`) };
  const e = parsed.data;
  return { ok: true, task: { job: e.CLOUD_RUN_JOB, execution: e.CLOUD_RUN_EXECUTION, index: e.CLOUD_RUN_TASK_INDEX, count: e.CLOUD_RUN_TASK_COUNT, attempt: e.CLOUD_RUN_TASK_ATTEMPT } };
}

/** The run group of a task: its execution (an execution name is unique in its project and region). */
export const taskGroup = (task: CloudRunTask): string => task.execution;

/** A task's run id, the same for every attempt: a retried attempt finds and resumes its own run. */
export const taskRunId = (task: CloudRunTask): string => `${taskGroup(task)}-task-${task.index}`;
