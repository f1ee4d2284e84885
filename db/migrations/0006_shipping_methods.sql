CREATE TABLE "carrier_shipments" (
	"idempotency_key" text PRIMARY KEY NOT NULL,
	"carrier" text NOT NULL,
	"shipment_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shipping_methods" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"price" integer NOT NULL,
	"currency" text NOT NULL,
	"free_above" integer,
	"carrier_service" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shipping_methods_price_nonnegative" CHECK ("shipping_methods"."price" >= 0),
	CONSTRAINT "shipping_methods_free_above_nonnegative" CHECK ("shipping_methods"."free_above" IS NULL OR "shipping_methods"."free_above" >= 0)
);
