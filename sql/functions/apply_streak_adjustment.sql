-- requires: accept_session_lock_key, account_deleted, rebuild_streaks, streak_event_payload, user_date_at, day_start_minutes_on, local_date_of
-- Records one adjustment (grant-freezes, repair, day-start or revoke) under the user's lock and rebuilds their
-- streak from the events, queueing the projection if it changed. Applied once per id: the same id
-- again answers duplicate (same content) or conflict (other content), so a redelivered message or a
-- rerun CLI counts once. A repair of a date already repaired, or a second revoke of one adjustment,
-- changes nothing and names the adjustment that already did it; so does a day start the date already
-- has. A day-start change without a date (p_date null: the user's own setDayStart) takes effect from
-- the user's next date, so past dates never move; a user with no zone yet gets the day after today in
-- the zone furthest ahead. Answers jsonb: status applied | duplicate | conflict | already_repaired |
-- already_revoked | already_set | unknown_target (a revoke of an id that is not this user's) |
-- not_revocable (a revoke of a revoke) | account_deleted, the adjustment id, the user, the streak event
-- before and after (null for a user with no streak row) and, for a day start, effectiveFrom.
create or replace function apply_streak_adjustment(
  p_id text, p_user_id text, p_kind text, p_count integer, p_minutes integer, p_date date, p_revokes text, p_reason text, p_actor text,
  p_qualify_seconds integer, p_freeze_cap integer)
returns jsonb
language plpgsql
as $$
declare
  v_user text := p_user_id;
  v_target streak_adjustments;
  v_existing streak_adjustments;
  v_before jsonb;
  v_after jsonb;
  v_same text;
  v_streak user_streaks;
  v_date date := p_date;
  v_extra jsonb := '{}';
begin
  if p_kind = 'revoke' then
    select * into v_target from streak_adjustments a where a.id = p_revokes;
    if not found or (p_user_id is not null and v_target.user_id <> p_user_id) then
      return jsonb_build_object('status', 'unknown_target', 'adjustmentId', p_id, 'userId', p_user_id);
    end if;
    if v_target.kind = 'revoke' then
      return jsonb_build_object('status', 'not_revocable', 'adjustmentId', p_id, 'userId', v_target.user_id);
    end if;
    v_user := v_target.user_id;
  end if;

  perform pg_advisory_xact_lock(accept_session_lock_key(v_user));
  if account_deleted(v_user) then
    return jsonb_build_object('status', 'account_deleted', 'adjustmentId', p_id, 'userId', v_user);
  end if;
  select * into v_streak from user_streaks s where s.user_id = v_user;
  if found then
    v_before := streak_event_payload(v_streak);
  end if;
  if p_kind = 'day-start' then
    if v_date is null then
      v_date := case when v_streak.timezone is null then local_date_of(now(), 'Etc/GMT-14')
                     else user_date_at(now(), v_streak.timezone, v_streak.day_start_from, v_streak.day_start_minutes) end + 1;
    end if;
    v_extra := jsonb_build_object('effectiveFrom', to_char(v_date, 'YYYY-MM-DD'));
  end if;

  select * into v_existing from streak_adjustments a where a.id = p_id;
  if found then
    return jsonb_build_object(
      -- No date given (a user's own change) matches the date it was given when recorded.
      'status', case when (v_existing.user_id, v_existing.kind, v_existing.count, v_existing.minutes, v_existing.local_date, v_existing.revokes, v_existing.reason)
                          is not distinct from (v_user, p_kind, p_count, p_minutes, coalesce(p_date, v_existing.local_date), p_revokes, p_reason)
                     then 'duplicate' else 'conflict' end,
      'adjustmentId', p_id, 'userId', v_user, 'before', v_before, 'after', v_before)
      || case when p_kind = 'day-start' then jsonb_build_object('effectiveFrom', to_char(v_existing.local_date, 'YYYY-MM-DD')) else '{}' end;
  end if;
  if p_kind = 'repair' then
    select a.id into v_same from streak_adjustments a
    where a.user_id = v_user and a.kind = 'repair' and a.local_date = p_date
      and not exists (select from streak_adjustments r where r.revokes = a.id)
    limit 1;
    if v_same is not null then
      return jsonb_build_object('status', 'already_repaired', 'adjustmentId', p_id, 'existingId', v_same, 'userId', v_user, 'before', v_before, 'after', v_before);
    end if;
  elsif p_kind = 'day-start' and day_start_minutes_on(v_streak.day_start_from, v_streak.day_start_minutes, v_date) = p_minutes then
    -- Recording it would change no date: the minutes already apply from v_date (the default, or a change).
    select a.id into v_same from streak_adjustments a
    where a.user_id = v_user and a.kind = 'day-start' and a.local_date = (
        select max(f) from unnest(v_streak.day_start_from) f where f <= v_date)
      and not exists (select from streak_adjustments r where r.revokes = a.id)
    order by a.created_at desc, a.id desc limit 1;
    return jsonb_strip_nulls(jsonb_build_object('status', 'already_set', 'adjustmentId', p_id, 'existingId', v_same, 'userId', v_user))
      || jsonb_build_object('before', v_before, 'after', v_before) || v_extra;
  elsif p_kind = 'revoke' then
    select a.id into v_same from streak_adjustments a where a.revokes = p_revokes;
    if v_same is not null then
      return jsonb_build_object('status', 'already_revoked', 'adjustmentId', p_id, 'existingId', v_same, 'userId', v_user, 'before', v_before, 'after', v_before);
    end if;
  end if;

  -- A user may be adjusted before their first session (a grant on sign-up): they exist from now on.
  insert into users (id) values (v_user) on conflict (id) do nothing;
  -- The clock, not the transaction's start: the latest of two changes for one date wins, in one transaction too.
  insert into streak_adjustments (id, user_id, kind, count, minutes, local_date, revokes, reason, actor, created_at)
  values (p_id, v_user, p_kind, p_count, p_minutes, v_date, p_revokes, p_reason, p_actor, clock_timestamp());
  perform 1 from rebuild_streaks(array[v_user], p_qualify_seconds, true, p_freeze_cap);
  -- The accept path's flags (a revoke leaves them: its target set them, and the walk reads what is in effect).
  update user_streaks s set granted = s.granted or p_kind = 'grant-freezes', repaired = s.repaired or p_kind = 'repair'
  where s.user_id = v_user and (p_kind = 'grant-freezes' and not s.granted or p_kind = 'repair' and not s.repaired);
  select streak_event_payload(s) into v_after from user_streaks s where s.user_id = v_user;
  return jsonb_build_object('status', 'applied', 'adjustmentId', p_id, 'userId', v_user, 'before', v_before, 'after', v_after) || v_extra;
end;
$$;
