CREATE TYPE "public"."drill_run_status" AS ENUM('preparing', 'waiting_ack', 'recovering', 'verifying', 'passed', 'failed', 'aborted');--> statement-breakpoint
CREATE TABLE "drill_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"drill_name" text NOT NULL,
	"version_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"target" text NOT NULL,
	"status" "drill_run_status" DEFAULT 'preparing' NOT NULL,
	"workflow_id" text NOT NULL,
	"initiator_id" uuid,
	"initiator" text NOT NULL,
	"scratch_target" text,
	"scratch_database" text,
	"scratch_dropped_at" timestamp with time zone,
	"scratch_source" text,
	"recovery_run_id" uuid,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"fault_at" timestamp with time zone,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_by" text,
	"recovered_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"finding" text,
	"scores" jsonb,
	"timeline" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"debrief" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "drill_runs_workflow_id_unique" UNIQUE("workflow_id"),
	CONSTRAINT "drill_runs_scratch_target_unique" UNIQUE("scratch_target")
);
--> statement-breakpoint
CREATE TABLE "drill_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"drill_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"document" jsonb NOT NULL,
	"source" text NOT NULL,
	"sha256" text NOT NULL,
	"published_by" uuid,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "drill_versions_drill_version_uq" UNIQUE("drill_id","version")
);
--> statement-breakpoint
CREATE TABLE "drills" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"title" text NOT NULL,
	"target" text NOT NULL,
	"latest_version" integer DEFAULT 0 NOT NULL,
	"built_in" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "drills_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "drill_runs" ADD CONSTRAINT "drill_runs_version_id_drill_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."drill_versions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drill_runs" ADD CONSTRAINT "drill_runs_initiator_id_users_id_fk" FOREIGN KEY ("initiator_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drill_versions" ADD CONSTRAINT "drill_versions_drill_id_drills_id_fk" FOREIGN KEY ("drill_id") REFERENCES "public"."drills"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "drill_versions" ADD CONSTRAINT "drill_versions_published_by_users_id_fk" FOREIGN KEY ("published_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "drill_runs_drill_idx" ON "drill_runs" USING btree ("drill_name","started_at");