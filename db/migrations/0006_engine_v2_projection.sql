ALTER TABLE "run_events" ADD COLUMN "kind" text;--> statement-breakpoint
ALTER TABLE "run_events" ADD COLUMN "details" jsonb;--> statement-breakpoint
ALTER TABLE "run_steps" ADD COLUMN "name" text;--> statement-breakpoint
ALTER TABLE "run_steps" ADD COLUMN "hold" jsonb;--> statement-breakpoint
ALTER TABLE "run_steps" ADD COLUMN "approval" jsonb;--> statement-breakpoint
ALTER TABLE "run_steps" ADD COLUMN "checklist" jsonb;--> statement-breakpoint
ALTER TABLE "run_steps" ADD COLUMN "items" jsonb;--> statement-breakpoint
ALTER TABLE "run_steps" ADD COLUMN "retry" jsonb;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "queue" jsonb;