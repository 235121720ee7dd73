-- Rows written before sealing existed were chained in id order under a lock: they keep their
-- hashes and take their positions in that order.
UPDATE "audit_log" SET "seq" = ranked.n FROM (SELECT "id", row_number() OVER (ORDER BY "id") AS n FROM "audit_log") AS ranked WHERE "audit_log"."id" = ranked."id";--> statement-breakpoint
-- A row is sealed whole or not at all.
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_sealed_whole" CHECK (("seq" IS NULL) = ("hash" IS NULL) AND ("seq" IS NULL) = ("prev_hash" IS NULL));--> statement-breakpoint
-- Append-only in the database itself (issue 12): rows are inserted unsealed, and the one change a
-- row may ever see is the sealer filling its chain columns from NULL, everything else unchanged.
CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		IF NEW.seq IS NOT NULL OR NEW.prev_hash IS NOT NULL OR NEW.hash IS NOT NULL THEN
			RAISE EXCEPTION 'audit_log rows are inserted unsealed: only the sealer sets seq, prev_hash and hash' USING ERRCODE = '42501';
		END IF;
		RETURN NEW;
	END IF;
	-- Nested, not one AND: OLD and NEW are unassigned in a TRUNCATE (statement) trigger.
	IF TG_OP = 'UPDATE' THEN
		IF OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
			AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
			AND (NEW.id, NEW.at, NEW.actor, NEW.action, NEW.subject, NEW.details) IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.actor, OLD.action, OLD.subject, OLD.details) THEN
			RETURN NEW;
		END IF;
	END IF;
	RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = '42501';
END
$$;--> statement-breakpoint
CREATE TRIGGER "audit_log_append_only" BEFORE INSERT OR UPDATE OR DELETE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log" FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_append_only"();
