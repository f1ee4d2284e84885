CREATE TABLE "return_restocks" (
	"return_id" text PRIMARY KEY NOT NULL,
	"lines" jsonb NOT NULL,
	"restocked_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Returns already back on hand keep their claim.
INSERT INTO "return_restocks" ("return_id", "lines", "restocked_at") SELECT "id", "lines", "restocked_at" FROM "returns" WHERE "restocked_at" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "returns" DROP COLUMN "restocked_at";