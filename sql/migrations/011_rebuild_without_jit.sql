-- rebuild_streaks (004) runs without JIT compilation. Its statements over many sessions have large
-- cost estimates, so PostgreSQL's default JIT (jit_above_cost 100000, optimize and inline above
-- 500000) compiled them with full optimization on every call: measured on a 100k-session database,
-- about 0.8 s of compilation in the daily_focus statement alone against 0.5 s of execution, paid
-- again by every rebuild chunk of a backfill. Interpreted execution is faster at these sizes.
-- Only the function's settings change; its body and results stay those of 004.
alter function rebuild_streaks(text[], integer, boolean) set jit = off;
