CREATE TYPE "public"."review_campaign_status" AS ENUM('collecting', 'open', 'grace', 'closed');--> statement-breakpoint
CREATE TYPE "public"."review_item_state" AS ENUM('pending', 'certified', 'revoked', 'suspended', 'appealed');--> statement-breakpoint
CREATE TABLE "access_review_campaigns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"status" "review_campaign_status" DEFAULT 'collecting' NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"grace_hours" integer NOT NULL,
	"stale_days" integer NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "access_review_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"user_id" uuid,
	"username" text NOT NULL,
	"role" text NOT NULL,
	"last_login_at" timestamp with time zone,
	"stale" boolean DEFAULT false NOT NULL,
	"state" "review_item_state" DEFAULT 'pending' NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"comment" text,
	"appealed_at" timestamp with time zone,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "access_review_items" ADD CONSTRAINT "access_review_items_campaign_id_access_review_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."access_review_campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "access_review_items" ADD CONSTRAINT "access_review_items_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "access_review_items_campaign" ON "access_review_items" USING btree ("campaign_id");--> statement-breakpoint
CREATE UNIQUE INDEX "access_review_items_grant" ON "access_review_items" USING btree ("campaign_id","username","role");