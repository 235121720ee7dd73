-- One batch of a run's projection (activities/run-ledger.ts ledger.apply) in one statement: the
-- run's row, its steps' rows, new events and the NOTIFY, atomically and in one round trip.
-- A key present with null clears the column; an absent key leaves it. Returns false when the run's
-- row is gone (its start was withdrawn).
CREATE OR REPLACE FUNCTION tend_apply_run_batch(p_run uuid, p_run_change jsonb, p_steps jsonb, p_events jsonb, p_event_key text, p_channel text)
RETURNS boolean
LANGUAGE plpgsql
AS $$
BEGIN
	PERFORM 1 FROM runs WHERE id = p_run;
	IF NOT FOUND THEN
		RETURN false;
	END IF;

	IF p_run_change IS NOT NULL AND p_run_change <> '{}'::jsonb THEN
		UPDATE runs r SET
			status = CASE WHEN p_run_change ? 'status' THEN (p_run_change->>'status')::run_status ELSE r.status END,
			error = CASE WHEN p_run_change ? 'error' THEN p_run_change->>'error' ELSE r.error END,
			queue = CASE WHEN p_run_change ? 'queue' THEN nullif(p_run_change->'queue', 'null'::jsonb) ELSE r.queue END,
			resumes = CASE WHEN p_run_change ? 'resumes' THEN (p_run_change->>'resumes')::int ELSE r.resumes END,
			started_at = CASE WHEN p_run_change ? 'startedAt' THEN coalesce(r.started_at, (p_run_change->>'startedAt')::timestamptz) ELSE r.started_at END,
			finished_at = CASE WHEN p_run_change ? 'finishedAt' THEN (p_run_change->>'finishedAt')::timestamptz ELSE r.finished_at END
		WHERE r.id = p_run;
	END IF;

	IF p_steps IS NOT NULL AND jsonb_array_length(p_steps) > 0 THEN
		INSERT INTO run_steps (run_id, step_id, position, uses, name)
		SELECT p_run, c->>'stepId', (SELECT coalesce(max(position) + 1, 0) FROM run_steps WHERE run_id = p_run), c->'add'->>'uses', c->'add'->>'name'
		FROM jsonb_array_elements(p_steps) AS c
		WHERE c ? 'add'
		ON CONFLICT DO NOTHING;

		UPDATE run_steps rs SET
			status = CASE WHEN s.c ? 'status' THEN (s.c->>'status')::step_status ELSE rs.status END,
			attempts = CASE WHEN s.c ? 'attempts' THEN (s.c->>'attempts')::int ELSE rs.attempts END,
			started_at = CASE WHEN s.c ? 'startedAt' THEN coalesce(rs.started_at, (s.c->>'startedAt')::timestamptz) ELSE rs.started_at END,
			finished_at = CASE WHEN s.c ? 'finishedAt' THEN (s.c->>'finishedAt')::timestamptz ELSE rs.finished_at END,
			outputs = CASE WHEN s.c ? 'outputs' THEN nullif(s.c->'outputs', 'null'::jsonb) ELSE rs.outputs END,
			error = CASE WHEN s.c ? 'error' THEN s.c->>'error' ELSE rs.error END,
			hold = CASE WHEN s.c ? 'hold' THEN nullif(s.c->'hold', 'null'::jsonb) ELSE rs.hold END,
			approval = CASE WHEN s.c ? 'approval' THEN nullif(s.c->'approval', 'null'::jsonb) ELSE rs.approval END,
			checklist = CASE WHEN s.c ? 'checklist' THEN nullif(s.c->'checklist', 'null'::jsonb) ELSE rs.checklist END,
			items = CASE WHEN s.c ? 'items' THEN nullif(s.c->'items', 'null'::jsonb) ELSE rs.items END,
			retry = CASE WHEN s.c ? 'retry' THEN nullif(s.c->'retry', 'null'::jsonb) ELSE rs.retry END
		FROM jsonb_array_elements(p_steps) AS s(c)
		WHERE rs.run_id = p_run AND rs.step_id = s.c->>'stepId';
	END IF;

	IF p_events IS NOT NULL AND jsonb_array_length(p_events) > 0 THEN
		INSERT INTO run_events (run_id, step_id, key, kind, details, status, at)
		SELECT p_run, e.c->>'stepId', p_event_key || ':' || (e.n - 1), e.c->>'kind', e.c->'details', e.c->>'kind', (e.c->>'at')::timestamptz
		FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(c, n)
		ORDER BY e.n
		ON CONFLICT DO NOTHING;
	END IF;

	PERFORM pg_notify(p_channel, p_run::text);
	RETURN true;
END;
$$;
