CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory" (
    "MigrationId" character varying(150) NOT NULL,
    "ProductVersion" character varying(32) NOT NULL,
    CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY ("MigrationId")
);

START TRANSACTION;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
        IF NOT EXISTS(SELECT 1 FROM pg_namespace WHERE nspname = 'ims') THEN
            CREATE SCHEMA ims;
        END IF;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
        IF NOT EXISTS(SELECT 1 FROM pg_namespace WHERE nspname = 'oms') THEN
            CREATE SCHEMA oms;
        END IF;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
        IF NOT EXISTS(SELECT 1 FROM pg_namespace WHERE nspname = 'messaging') THEN
            CREATE SCHEMA messaging;
        END IF;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
        IF NOT EXISTS(SELECT 1 FROM pg_namespace WHERE nspname = 'wms') THEN
            CREATE SCHEMA wms;
        END IF;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
        IF NOT EXISTS(SELECT 1 FROM pg_namespace WHERE nspname = 'sms') THEN
            CREATE SCHEMA sms;
        END IF;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
    CREATE TABLE ims.bom_components (
        kit_sku text NOT NULL,
        component_sku text NOT NULL,
        quantity integer NOT NULL,
        CONSTRAINT pk_bom_components PRIMARY KEY (kit_sku, component_sku),
        CONSTRAINT ck_bom_components_not_self CHECK (kit_sku <> component_sku),
        CONSTRAINT ck_bom_components_quantity CHECK (quantity > 0)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
    CREATE TABLE oms.order_rejections (
        request_id text NOT NULL,
        order_id text,
        reasons text[] NOT NULL,
        rejected_at timestamp with time zone NOT NULL,
        CONSTRAINT pk_order_rejections PRIMARY KEY (request_id)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
    CREATE TABLE oms.orders (
        order_id text NOT NULL,
        request_id text NOT NULL,
        customer_id text NOT NULL,
        status character varying(16) NOT NULL,
        status_reason text,
        ship_to_name text NOT NULL,
        ship_to_line1 text NOT NULL,
        ship_to_city text NOT NULL,
        ship_to_postal_code text NOT NULL,
        ship_to_country text NOT NULL,
        shipment_id text,
        tracking_number text,
        created_event_message_id uuid,
        created_at timestamp with time zone NOT NULL,
        updated_at timestamp with time zone NOT NULL,
        CONSTRAINT pk_orders PRIMARY KEY (order_id),
        CONSTRAINT ck_orders_status CHECK (status IN ('CREATED','RESERVED','SHIPPED','FAILED','CANCELLED'))
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
    CREATE TABLE messaging.outbox_messages (
        id bigint GENERATED ALWAYS AS IDENTITY,
        message_id uuid NOT NULL,
        exchange character varying(255) NOT NULL,
        message_type character varying(255) NOT NULL,
        payload jsonb NOT NULL,
        headers jsonb NOT NULL,
        created_at timestamp with time zone NOT NULL DEFAULT (now()),
        state character varying(16) NOT NULL,
        attempts integer NOT NULL,
        last_error text,
        last_attempt_at timestamp with time zone,
        sent_at timestamp with time zone,
        CONSTRAINT pk_outbox_messages PRIMARY KEY (id),
        CONSTRAINT ck_outbox_messages_state CHECK (state IN ('pending','sent'))
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
    CREATE TABLE wms.pick_waves (
        pick_wave_id text NOT NULL,
        order_id text NOT NULL,
        lines jsonb NOT NULL,
        created_at timestamp with time zone NOT NULL,
        CONSTRAINT pk_pick_waves PRIMARY KEY (pick_wave_id)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
    CREATE TABLE ims.reservations (
        order_id text NOT NULL,
        sku text NOT NULL,
        quantity integer NOT NULL,
        state character varying(16) NOT NULL,
        below_reorder_point_after_consume boolean NOT NULL,
        created_at timestamp with time zone NOT NULL,
        updated_at timestamp with time zone NOT NULL,
        CONSTRAINT pk_reservations PRIMARY KEY (order_id, sku),
        CONSTRAINT ck_reservations_quantity CHECK (quantity > 0)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
    CREATE TABLE sms.shipments (
        shipment_id text NOT NULL,
        order_id text NOT NULL,
        package_ids text[] NOT NULL,
        total_weight_kg numeric(12,3) NOT NULL,
        state character varying(16) NOT NULL,
        tracking_number text,
        label_reference text,
        cancellation_reason text,
        created_at timestamp with time zone NOT NULL,
        updated_at timestamp with time zone NOT NULL,
        CONSTRAINT pk_shipments PRIMARY KEY (shipment_id)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
    CREATE TABLE ims.stock_items (
        sku text NOT NULL,
        on_hand integer NOT NULL,
        reserved integer NOT NULL,
        reorder_point integer NOT NULL,
        reorder_quantity integer NOT NULL,
        updated_at timestamp with time zone NOT NULL,
        CONSTRAINT pk_stock_items PRIMARY KEY (sku),
        CONSTRAINT ck_stock_items_on_hand CHECK (on_hand >= 0),
        CONSTRAINT ck_stock_items_reorder CHECK (reorder_point >= 0 AND reorder_quantity >= 0),
        CONSTRAINT ck_stock_items_reserved CHECK (reserved >= 0 AND reserved <= on_hand)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
    CREATE TABLE ims.stock_receipts (
        receipt_id text NOT NULL,
        sku text NOT NULL,
        quantity integer NOT NULL,
        received_at timestamp with time zone NOT NULL,
        CONSTRAINT pk_stock_receipts PRIMARY KEY (receipt_id),
        CONSTRAINT ck_stock_receipts_quantity CHECK (quantity > 0)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
    CREATE TABLE oms.order_lines (
        order_id text NOT NULL,
        line_number integer NOT NULL,
        sku text NOT NULL,
        quantity integer NOT NULL,
        CONSTRAINT pk_order_lines PRIMARY KEY (order_id, line_number),
        CONSTRAINT ck_order_lines_quantity CHECK (quantity > 0),
        CONSTRAINT fk_order_lines_orders FOREIGN KEY (order_id) REFERENCES oms.orders (order_id) ON DELETE CASCADE
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
    CREATE UNIQUE INDEX ux_orders_request_id ON oms.orders (request_id);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
    CREATE INDEX ix_outbox_messages_pending ON messaging.outbox_messages (id) WHERE state = 'pending';
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
    CREATE UNIQUE INDEX ux_outbox_messages_message_id ON messaging.outbox_messages (message_id);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
    CREATE UNIQUE INDEX ux_pick_waves_order_id ON wms.pick_waves (order_id);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
    CREATE UNIQUE INDEX ux_shipments_order_id ON sms.shipments (order_id);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
    CREATE UNIQUE INDEX ux_shipments_tracking_number ON sms.shipments (tracking_number);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123081411_InitialSchema') THEN
    INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
    VALUES ('20261123081411_InitialSchema', '10.0.5');
    END IF;
END $EF$;
COMMIT;

START TRANSACTION;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123101247_PaymentsDeliveryAndLineAdditions') THEN
    ALTER TABLE oms.orders DROP CONSTRAINT ck_orders_status;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123101247_PaymentsDeliveryAndLineAdditions') THEN
    ALTER TABLE oms.orders ADD delivered_at timestamp with time zone;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123101247_PaymentsDeliveryAndLineAdditions') THEN
    CREATE TABLE ims.line_additions (
        addition_id text NOT NULL,
        order_id text NOT NULL,
        sku text NOT NULL,
        quantity integer NOT NULL,
        added_at timestamp with time zone NOT NULL,
        CONSTRAINT pk_line_additions PRIMARY KEY (addition_id),
        CONSTRAINT ck_line_additions_quantity CHECK (quantity > 0)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123101247_PaymentsDeliveryAndLineAdditions') THEN
    CREATE TABLE oms.payments (
        order_id text NOT NULL,
        status character varying(16) NOT NULL,
        provider_reference character varying(64) NOT NULL,
        approved_by character varying(128) NOT NULL,
        captured_at timestamp with time zone NOT NULL,
        refunded_at timestamp with time zone,
        refund_reason text,
        CONSTRAINT pk_payments PRIMARY KEY (order_id),
        CONSTRAINT ck_payments_status CHECK (status IN ('CAPTURED','REFUNDED'))
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123101247_PaymentsDeliveryAndLineAdditions') THEN
    ALTER TABLE oms.orders ADD CONSTRAINT ck_orders_status CHECK (status IN ('CREATED','RESERVED','AWAITING_PAYMENT','PAID','SHIPPED','COMPLETED','FAILED','CANCELLED'));
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123101247_PaymentsDeliveryAndLineAdditions') THEN
    CREATE INDEX ix_line_additions_order_id ON ims.line_additions (order_id);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123101247_PaymentsDeliveryAndLineAdditions') THEN
    CREATE UNIQUE INDEX ux_payments_provider_reference ON oms.payments (provider_reference);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123101247_PaymentsDeliveryAndLineAdditions') THEN
    INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
    VALUES ('20261123101247_PaymentsDeliveryAndLineAdditions', '10.0.5');
    END IF;
END $EF$;
COMMIT;

START TRANSACTION;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123101805_OrderEventsAndSummaries') THEN
    CREATE TABLE oms.order_events (
        order_id text NOT NULL,
        version integer NOT NULL,
        event_type character varying(64) NOT NULL,
        payload jsonb NOT NULL,
        occurred_at timestamp with time zone NOT NULL,
        workflow_id text,
        activity_id text,
        message_id uuid,
        CONSTRAINT pk_order_events PRIMARY KEY (order_id, version),
        CONSTRAINT ck_order_events_version CHECK (version > 0)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123101805_OrderEventsAndSummaries') THEN
    CREATE TABLE oms.order_summaries (
        order_id text NOT NULL,
        customer_id text,
        status character varying(16),
        status_reason text,
        step character varying(64) NOT NULL,
        lines jsonb NOT NULL,
        shipment_id text,
        tracking_number text,
        version integer NOT NULL,
        created_at timestamp with time zone NOT NULL,
        updated_at timestamp with time zone NOT NULL,
        CONSTRAINT pk_order_summaries PRIMARY KEY (order_id)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123101805_OrderEventsAndSummaries') THEN
    CREATE INDEX ix_order_summaries_status_updated_at ON oms.order_summaries (status, updated_at DESC);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123101805_OrderEventsAndSummaries') THEN
    CREATE INDEX ix_order_summaries_updated_at ON oms.order_summaries (updated_at DESC);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123101805_OrderEventsAndSummaries') THEN
    CREATE OR REPLACE FUNCTION oms.order_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
        RAISE EXCEPTION 'oms.order_events is append-only: % is not allowed', TG_OP
            USING ERRCODE = 'restrict_violation', HINT = 'Record a correction as a new event.';
    END
    $fn$;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123101805_OrderEventsAndSummaries') THEN
    CREATE TRIGGER tr_order_events_append_only
        BEFORE UPDATE OR DELETE OR TRUNCATE ON oms.order_events
        FOR EACH STATEMENT EXECUTE FUNCTION oms.order_events_append_only();
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123101805_OrderEventsAndSummaries') THEN
    INSERT INTO oms.order_summaries (order_id, customer_id, status, status_reason, step, lines, shipment_id, tracking_number, version, created_at, updated_at)
    SELECT o.order_id, o.customer_id, o.status, o.status_reason, 'Backfilled',
           COALESCE((SELECT jsonb_agg(jsonb_build_object('sku', l.sku, 'quantity', l.quantity) ORDER BY l.line_number)
                     FROM oms.order_lines l WHERE l.order_id = o.order_id), '[]'::jsonb),
           o.shipment_id, o.tracking_number, 0, o.created_at, o.updated_at
    FROM oms.orders o
    ON CONFLICT (order_id) DO NOTHING;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261123101805_OrderEventsAndSummaries') THEN
    INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
    VALUES ('20261123101805_OrderEventsAndSummaries', '10.0.5');
    END IF;
END $EF$;
COMMIT;

START TRANSACTION;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130124618_ItemMaster') THEN
    CREATE TABLE ims.item_messages (
        message_id character varying(128) NOT NULL,
        sku character varying(128) NOT NULL,
        kind character varying(16) NOT NULL,
        content_hash character varying(64) NOT NULL,
        received_at timestamp with time zone NOT NULL,
        CONSTRAINT pk_item_messages PRIMARY KEY (message_id)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130124618_ItemMaster') THEN
    CREATE TABLE ims.items (
        sku character varying(128) NOT NULL,
        name character varying(1024) NOT NULL,
        is_kit boolean NOT NULL,
        retired boolean NOT NULL,
        registered_at timestamp with time zone NOT NULL,
        updated_at timestamp with time zone NOT NULL,
        updated_by_message_id character varying(128),
        CONSTRAINT pk_items PRIMARY KEY (sku)
    );
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130124618_ItemMaster') THEN
    INSERT INTO ims.items (sku, name, is_kit, retired, registered_at, updated_at)
    SELECT sku, sku, false, false, updated_at, updated_at FROM ims.stock_items
    UNION ALL
    SELECT DISTINCT kit_sku, kit_sku, true, false, now(), now() FROM ims.bom_components
    ON CONFLICT (sku) DO NOTHING;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130124618_ItemMaster') THEN
    INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
    VALUES ('20261130124618_ItemMaster', '10.0.5');
    END IF;
END $EF$;
COMMIT;

START TRANSACTION;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130124846_OutboxTraceParent') THEN
    ALTER TABLE messaging.outbox_messages ADD trace_parent character varying(128);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130124846_OutboxTraceParent') THEN
    INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
    VALUES ('20261130124846_OutboxTraceParent', '10.0.5');
    END IF;
END $EF$;
COMMIT;

START TRANSACTION;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130125822_PricesAndShortPicks') THEN
    ALTER TABLE oms.payments ADD amount numeric(18,3);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130125822_PricesAndShortPicks') THEN
    ALTER TABLE oms.payments ADD currency character varying(3);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130125822_PricesAndShortPicks') THEN
    ALTER TABLE oms.payments ADD refunded_amount numeric(18,3) NOT NULL DEFAULT 0.0;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130125822_PricesAndShortPicks') THEN
    ALTER TABLE oms.orders ADD currency character varying(3);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130125822_PricesAndShortPicks') THEN
    ALTER TABLE oms.orders ADD shorted_event_message_id uuid;
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130125822_PricesAndShortPicks') THEN
    ALTER TABLE oms.order_summaries ADD captured_amount numeric(18,3);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130125822_PricesAndShortPicks') THEN
    ALTER TABLE oms.order_summaries ADD currency character varying(3);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130125822_PricesAndShortPicks') THEN
    ALTER TABLE oms.order_summaries ADD refunded_amount numeric(18,3);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130125822_PricesAndShortPicks') THEN
    ALTER TABLE oms.order_summaries ADD total_amount numeric(18,3);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130125822_PricesAndShortPicks') THEN
    ALTER TABLE oms.order_lines ADD unit_price numeric(18,3);
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130125822_PricesAndShortPicks') THEN
    INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
    VALUES ('20261130125822_PricesAndShortPicks', '10.0.5');
    END IF;
END $EF$;
COMMIT;

START TRANSACTION;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130161044_ReconcilerIndexes') THEN
    CREATE INDEX ix_reservations_reserved ON ims.reservations (order_id) WHERE state = 'reserved';
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130161044_ReconcilerIndexes') THEN
    CREATE INDEX ix_payments_captured ON oms.payments (order_id) WHERE status = 'CAPTURED';
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130161044_ReconcilerIndexes') THEN
    CREATE INDEX ix_orders_open ON oms.orders (order_id) WHERE status NOT IN ('COMPLETED', 'CANCELLED', 'FAILED');
    END IF;
END $EF$;

DO $EF$
BEGIN
    IF NOT EXISTS(SELECT 1 FROM "__EFMigrationsHistory" WHERE "MigrationId" = '20261130161044_ReconcilerIndexes') THEN
    INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
    VALUES ('20261130161044_ReconcilerIndexes', '10.0.5');
    END IF;
END $EF$;
COMMIT;

