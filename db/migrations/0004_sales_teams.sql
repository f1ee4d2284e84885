CREATE TABLE "sales_teams" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"assignment" text DEFAULT 'team_only' NOT NULL,
	"next_turn" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sales_teams_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "salespeople" (
	"id" text PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "salespeople_team_name" UNIQUE("team_id","name")
);
--> statement-breakpoint
ALTER TABLE "salespeople" ADD CONSTRAINT "salespeople_team_id_sales_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."sales_teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "salespeople_team_idx" ON "salespeople" USING btree ("team_id","created_at");--> statement-breakpoint
INSERT INTO "sales_teams" ("id", "name", "assignment") VALUES ('team_website', 'Website', 'team_only') ON CONFLICT DO NOTHING;
