CREATE TABLE "runbook_drafts" (
	"name" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"base_version" integer,
	"updated_by" uuid,
	"updated_by_name" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "runs_runbook_idx";--> statement-breakpoint
DROP INDEX "runs_status_idx";--> statement-breakpoint
ALTER TABLE "runbook_drafts" ADD CONSTRAINT "runbook_drafts_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "run_steps_waiting_idx" ON "run_steps" USING btree ("uses") WHERE "run_steps"."status" = 'waiting';--> statement-breakpoint
CREATE INDEX "runs_runbook_created_idx" ON "runs" USING btree ("runbook_name","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_status_created_idx" ON "runs" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_initiator_created_idx" ON "runs" USING btree ("initiator","created_at","id");--> statement-breakpoint
CREATE INDEX "runs_target_created_idx" ON "runs" USING btree ("target","created_at","id");