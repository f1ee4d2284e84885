ALTER TABLE "emails" ADD COLUMN "attachment_invoice_id" text;--> statement-breakpoint
ALTER TABLE "emails" ADD COLUMN "attachment_number" text;