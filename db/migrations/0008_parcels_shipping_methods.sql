CREATE TABLE "carrier_shipments" (
	"idempotency_key" text PRIMARY KEY NOT NULL,
	"carrier" text NOT NULL,
	"shipment_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "parcels" (
	"delivery_id" text NOT NULL,
	"parcel_id" text NOT NULL,
	"position" integer NOT NULL,
	"lines" jsonb NOT NULL,
	"weight_grams" integer,
	"state" text NOT NULL,
	"label_attempt" integer NOT NULL,
	"carrier" text NOT NULL,
	"tracking_number" text NOT NULL,
	"tracking_url" text,
	"carrier_shipment_id" text,
	"printed" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "parcels_delivery_id_parcel_id_pk" PRIMARY KEY("delivery_id","parcel_id")
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
