import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// The finance registers: credit lines, loans with their daily accruals (partitioned by
    /// month) and repayments, pledges with their lines, valuations (append-only), margin calls,
    /// releases, receivables, collateral alerts and the accounting entries. Money is NUMERIC in
    /// fen, interest NUMERIC(24,8) until posted (finance spec, conventions).
    static let createFinance = Migration("0001_create_finance", sql: [#"""
        ALTER TABLE product_category ADD COLUMN finance_eligible boolean NOT NULL DEFAULT true,
            ADD COLUMN finance_haircut numeric(6, 4) NOT NULL DEFAULT 0.2 CHECK (finance_haircut BETWEEN 0 AND 1);

        CREATE SEQUENCE finance_loan_name_seq;
        CREATE SEQUENCE finance_pledge_name_seq;
        CREATE SEQUENCE finance_repayment_name_seq;
        CREATE SEQUENCE finance_release_name_seq;
        CREATE SEQUENCE finance_receivable_name_seq;

        -- The 1-year loan prime rate, as published on the 20th of each month (finance spec §3).
        CREATE TABLE finance_lpr (
            date date PRIMARY KEY,
            rate_1y numeric(8, 6) NOT NULL CHECK (rate_1y > 0 AND rate_1y < 1)
        );

        CREATE TABLE finance_credit_line (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            borrower_id bigint NOT NULL REFERENCES res_partner (id) ON DELETE RESTRICT,
            borrower_company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            lender_id bigint NOT NULL REFERENCES res_partner (id) ON DELETE RESTRICT,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            currency_id bigint REFERENCES res_currency (id) ON DELETE RESTRICT,
            limit_amount numeric(20, 2) NOT NULL CHECK (limit_amount >= 0),
            exposure numeric(20, 2) NOT NULL DEFAULT 0,
            available_amount numeric(20, 2) GENERATED ALWAYS AS (limit_amount - exposure) STORED,
            start_date date NOT NULL DEFAULT (now() AT TIME ZONE 'Asia/Shanghai')::date,
            end_date date,
            product_type text NOT NULL DEFAULT 'inventory_pledge'
                CHECK (product_type IN ('inventory_pledge', 'floating_charge', 'warehouse_receipt', 'receivable')),
            max_ltv numeric(6, 4) NOT NULL DEFAULT 0.6,
            warning_ltv numeric(6, 4),
            call_ltv numeric(6, 4),
            liquidation_ltv numeric(6, 4),
            call_days integer NOT NULL DEFAULT 5 CHECK (call_days > 0),
            near_expiry_days integer NOT NULL DEFAULT 30 CHECK (near_expiry_days >= 0),
            advance_rate numeric(6, 4) NOT NULL DEFAULT 0.8 CHECK (advance_rate > 0 AND advance_rate <= 1),
            day_count text NOT NULL DEFAULT 'act_360' CHECK (day_count IN ('act_360', 'act_365')),
            rate_type text NOT NULL DEFAULT 'fixed' CHECK (rate_type IN ('fixed', 'lpr_spread')),
            rate numeric(10, 6) NOT NULL DEFAULT 0 CHECK (rate >= 0 AND rate < 1),
            spread_bp integer NOT NULL DEFAULT 0,
            overdue_markup numeric(6, 4) NOT NULL DEFAULT 0.5 CHECK (overdue_markup >= 0),
            misuse_markup numeric(6, 4) NOT NULL DEFAULT 1 CHECK (misuse_markup >= 0),
            repayment_order text NOT NULL DEFAULT 'costs_first' CHECK (repayment_order IN ('costs_first', 'principal_first')),
            market_pricelist_id bigint REFERENCES product_pricelist (id) ON DELETE RESTRICT,
            registration_no text,
            registration_expiry date,
            state text NOT NULL DEFAULT 'draft'
                CHECK (state IN ('draft', 'submitted', 'approved', 'active', 'suspended', 'expired', 'closed', 'cancelled')),
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT finance_credit_line_lines CHECK (0 < max_ltv AND max_ltv <= warning_ltv AND warning_ltv <= call_ltv
                                                        AND call_ltv <= liquidation_ltv),
            CONSTRAINT finance_credit_line_dates CHECK (end_date IS NULL OR end_date >= start_date)
        );
        CREATE INDEX finance_credit_line_borrower_id ON finance_credit_line (borrower_id);
        CREATE INDEX finance_credit_line_borrower_company_id ON finance_credit_line (borrower_company_id);
        CREATE INDEX finance_credit_line_lender_id ON finance_credit_line (lender_id);
        CREATE INDEX finance_credit_line_company_id ON finance_credit_line (company_id);
        CREATE INDEX finance_credit_line_order ON finance_credit_line (id DESC);

        CREATE TABLE finance_pledge (
            id bigserial PRIMARY KEY,
            name text NOT NULL DEFAULT 'PLG/' || lpad(nextval('finance_pledge_name_seq')::text, 6, '0'),
            credit_line_id bigint NOT NULL REFERENCES finance_credit_line (id) ON DELETE RESTRICT,
            kind text NOT NULL DEFAULT 'static' CHECK (kind IN ('static', 'dynamic', 'floating_charge', 'warehouse_receipt')),
            pledgor_id bigint NOT NULL REFERENCES res_partner (id) ON DELETE RESTRICT,
            borrower_company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            supervisor_id bigint REFERENCES res_partner (id) ON DELETE RESTRICT,
            supervisor_company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            warehouse_id bigint REFERENCES stock_warehouse (id) ON DELETE RESTRICT,
            location_id bigint REFERENCES stock_location (id) ON DELETE RESTRICT,
            min_controlled_value numeric(20, 2) NOT NULL DEFAULT 0,
            margin_cash numeric(20, 2) NOT NULL DEFAULT 0 CHECK (margin_cash >= 0),
            goods_value numeric(20, 2) NOT NULL DEFAULT 0,
            collateral_value numeric(20, 2) NOT NULL DEFAULT 0,
            exposure numeric(20, 2) NOT NULL DEFAULT 0,
            ltv numeric(14, 6),
            last_valued_at timestamptz,
            registration_no text,
            registry_search_ref text,
            receipt_no text,
            state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'registered', 'goods_in', 'active', 'called', 'in_enforcement',
                                                                'liquidated', 'released', 'cancelled')),
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT finance_pledge_supervisor CHECK (supervisor_id IS NULL OR supervisor_id <> pledgor_id),
            CONSTRAINT finance_pledge_place CHECK (kind = 'floating_charge' OR state IN ('draft', 'registered', 'cancelled') OR location_id IS NOT NULL)
        );
        -- The register: one entry per warehouse receipt number, ever; one open pledge per place.
        CREATE UNIQUE INDEX finance_pledge_receipt_no ON finance_pledge (receipt_no) WHERE receipt_no IS NOT NULL;
        CREATE UNIQUE INDEX finance_pledge_open_location ON finance_pledge (location_id)
            WHERE state NOT IN ('released', 'liquidated', 'cancelled');
        CREATE INDEX finance_pledge_credit_line_id ON finance_pledge (credit_line_id);
        CREATE INDEX finance_pledge_borrower_company_id ON finance_pledge (borrower_company_id);
        CREATE INDEX finance_pledge_supervisor_company_id ON finance_pledge (supervisor_company_id);
        CREATE INDEX finance_pledge_company_id ON finance_pledge (company_id);
        CREATE INDEX finance_pledge_open ON finance_pledge (id) WHERE state IN ('active', 'called', 'in_enforcement');
        CREATE INDEX finance_pledge_order ON finance_pledge (id DESC);
        ALTER TABLE stock_location ADD COLUMN finance_pledge_id bigint REFERENCES finance_pledge (id) ON DELETE SET NULL;
        CREATE INDEX stock_location_finance_pledge_id ON stock_location (finance_pledge_id) WHERE finance_pledge_id IS NOT NULL;

        CREATE TABLE finance_pledge_line (
            id bigserial PRIMARY KEY,
            pledge_id bigint NOT NULL REFERENCES finance_pledge (id) ON DELETE CASCADE,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            product_id bigint NOT NULL REFERENCES product_product (id) ON DELETE RESTRICT,
            lot_id bigint REFERENCES stock_lot (id) ON DELETE RESTRICT,
            package_id bigint REFERENCES stock_quant_package (id) ON DELETE SET NULL,
            quant_id bigint REFERENCES stock_quant (id) ON DELETE SET NULL,
            quantity numeric NOT NULL CHECK (quantity >= 0),
            unit_cost numeric(20, 6),
            unit_market numeric(20, 6),
            haircut numeric(6, 4),
            eligible boolean NOT NULL DEFAULT false,
            ineligible_reason text,
            damaged boolean NOT NULL DEFAULT false,
            value numeric(20, 2) NOT NULL DEFAULT 0,
            state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'released')),
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT finance_pledge_line_open CHECK (state = 'released' OR quant_id IS NOT NULL)
        );
        -- One open pledge per balance (finance spec §6.3, 3).
        CREATE UNIQUE INDEX finance_pledge_line_quant ON finance_pledge_line (quant_id) WHERE state = 'open';
        CREATE INDEX finance_pledge_line_pledge_id ON finance_pledge_line (pledge_id);
        CREATE INDEX finance_pledge_line_product_id ON finance_pledge_line (product_id) WHERE state = 'open';
        CREATE INDEX finance_pledge_line_company_id ON finance_pledge_line (company_id);

        CREATE TABLE finance_loan (
            id bigserial PRIMARY KEY,
            name text NOT NULL DEFAULT 'LOAN/' || lpad(nextval('finance_loan_name_seq')::text, 6, '0'),
            credit_line_id bigint NOT NULL REFERENCES finance_credit_line (id) ON DELETE RESTRICT,
            borrower_id bigint NOT NULL REFERENCES res_partner (id) ON DELETE RESTRICT,
            borrower_company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            lender_id bigint NOT NULL REFERENCES res_partner (id) ON DELETE RESTRICT,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            drawdown_date date,
            maturity_date date NOT NULL,
            principal_amount numeric(20, 2) NOT NULL CHECK (principal_amount > 0),
            principal_outstanding numeric(20, 2) NOT NULL DEFAULT 0 CHECK (principal_outstanding >= 0),
            interest_accrued numeric(24, 8) NOT NULL DEFAULT 0,
            interest_paid numeric(20, 2) NOT NULL DEFAULT 0,
            interest_posted numeric(20, 2) NOT NULL DEFAULT 0,
            penalty_accrued numeric(24, 8) NOT NULL DEFAULT 0,
            penalty_paid numeric(20, 2) NOT NULL DEFAULT 0,
            penalty_posted numeric(20, 2) NOT NULL DEFAULT 0,
            fees_outstanding numeric(20, 2) NOT NULL DEFAULT 0 CHECK (fees_outstanding >= 0),
            exposure numeric(20, 2) GENERATED ALWAYS AS (principal_outstanding + round(interest_accrued, 2) - interest_paid
                                                         + round(penalty_accrued, 2) - penalty_paid + fees_outstanding) STORED,
            accrued_through date,
            purpose text,
            misuse boolean NOT NULL DEFAULT false,
            pledge_id bigint REFERENCES finance_pledge (id) ON DELETE RESTRICT,
            idempotency_key text UNIQUE,
            state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'approved', 'disbursed', 'overdue', 'repaid', 'in_enforcement',
                                                                'written_off', 'cancelled')),
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT finance_loan_maturity CHECK (drawdown_date IS NULL OR maturity_date > drawdown_date),
            CONSTRAINT finance_loan_paid CHECK (interest_paid <= round(interest_accrued, 2) AND penalty_paid <= round(penalty_accrued, 2))
        );
        CREATE INDEX finance_loan_credit_line_id ON finance_loan (credit_line_id);
        CREATE INDEX finance_loan_borrower_id ON finance_loan (borrower_id);
        CREATE INDEX finance_loan_borrower_company_id ON finance_loan (borrower_company_id);
        CREATE INDEX finance_loan_company_id ON finance_loan (company_id);
        CREATE INDEX finance_loan_pledge_id ON finance_loan (pledge_id) WHERE pledge_id IS NOT NULL;
        CREATE INDEX finance_loan_accruing ON finance_loan (id) WHERE state IN ('disbursed', 'overdue', 'in_enforcement');
        CREATE INDEX finance_loan_order ON finance_loan (id DESC);

        -- One row per loan, day and kind: the nightly run can be repeated for any day.
        CREATE TABLE finance_loan_accrual (
            id bigserial,
            loan_id bigint NOT NULL REFERENCES finance_loan (id) ON DELETE CASCADE,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            borrower_company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            date date NOT NULL,
            kind text NOT NULL CHECK (kind IN ('interest', 'penalty', 'compound')),
            principal_base numeric(20, 2) NOT NULL,
            rate numeric(12, 8) NOT NULL,
            basis integer NOT NULL,
            amount numeric(24, 8) NOT NULL,
            create_uid bigint, create_date timestamptz NOT NULL DEFAULT now(), write_uid bigint, write_date timestamptz,
            PRIMARY KEY (loan_id, date, kind)
        ) PARTITION BY RANGE (date);
        CREATE INDEX finance_loan_accrual_id ON finance_loan_accrual (id);
        CREATE INDEX finance_loan_accrual_order ON finance_loan_accrual (date DESC, id DESC);
        CREATE INDEX finance_loan_accrual_company_id ON finance_loan_accrual (company_id);
        CREATE INDEX finance_loan_accrual_borrower_company_id ON finance_loan_accrual (borrower_company_id);

        CREATE TABLE finance_repayment (
            id bigserial PRIMARY KEY,
            name text NOT NULL DEFAULT 'REPAY/' || lpad(nextval('finance_repayment_name_seq')::text, 6, '0'),
            loan_id bigint NOT NULL REFERENCES finance_loan (id) ON DELETE RESTRICT,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            borrower_company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            date date NOT NULL,
            amount numeric(20, 2) NOT NULL CHECK (amount > 0),
            fees_paid numeric(20, 2) NOT NULL DEFAULT 0 CHECK (fees_paid >= 0),
            penalty_paid numeric(20, 2) NOT NULL DEFAULT 0 CHECK (penalty_paid >= 0),
            interest_paid numeric(20, 2) NOT NULL DEFAULT 0 CHECK (interest_paid >= 0),
            principal_paid numeric(20, 2) NOT NULL DEFAULT 0 CHECK (principal_paid >= 0),
            allocation text NOT NULL,
            payment_ref text,
            idempotency_key text UNIQUE,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            -- Invariant 7: the allocation is the whole payment.
            CONSTRAINT finance_repayment_allocated CHECK (fees_paid + penalty_paid + interest_paid + principal_paid = amount)
        );
        CREATE INDEX finance_repayment_loan_id ON finance_repayment (loan_id, date);
        CREATE INDEX finance_repayment_company_id ON finance_repayment (company_id);
        CREATE INDEX finance_repayment_borrower_company_id ON finance_repayment (borrower_company_id);
        CREATE INDEX finance_repayment_order ON finance_repayment (date DESC, id DESC);

        CREATE TABLE finance_valuation (
            id bigserial PRIMARY KEY,
            pledge_id bigint NOT NULL REFERENCES finance_pledge (id) ON DELETE CASCADE,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            borrower_company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            supervisor_company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            valued_at timestamptz NOT NULL DEFAULT now(),
            goods_value numeric(20, 2) NOT NULL,
            collateral_value numeric(20, 2) NOT NULL,
            exposure numeric(20, 2) NOT NULL,
            ltv numeric(14, 6),
            line_snapshot text NOT NULL,
            trigger text NOT NULL CHECK (trigger IN ('nightly', 'stock_move', 'price', 'repayment', 'release', 'drawdown', 'top_up', 'manual')),
            create_uid bigint, create_date timestamptz NOT NULL DEFAULT now(), write_uid bigint, write_date timestamptz
        );
        CREATE INDEX finance_valuation_pledge_id ON finance_valuation (pledge_id, valued_at DESC);
        CREATE INDEX finance_valuation_company_id ON finance_valuation (company_id);
        CREATE INDEX finance_valuation_borrower_company_id ON finance_valuation (borrower_company_id);
        CREATE INDEX finance_valuation_supervisor_company_id ON finance_valuation (supervisor_company_id);
        CREATE INDEX finance_valuation_order ON finance_valuation (valued_at DESC, id DESC);
        CREATE FUNCTION finance_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            RAISE EXCEPTION '% rows are never changed or deleted', TG_TABLE_NAME USING ERRCODE = '23514';
        END
        $fn$;
        CREATE TRIGGER finance_valuation_append_only BEFORE UPDATE OR DELETE ON finance_valuation
            FOR EACH STATEMENT EXECUTE FUNCTION finance_append_only();

        CREATE TABLE finance_margin_call (
            id bigserial PRIMARY KEY,
            pledge_id bigint NOT NULL REFERENCES finance_pledge (id) ON DELETE CASCADE,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            borrower_company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            opened_at timestamptz NOT NULL DEFAULT now(),
            ltv_at_open numeric(14, 6),
            required_value numeric(20, 2) NOT NULL,
            deadline timestamptz NOT NULL,
            cure_kind text CHECK (cure_kind IN ('goods', 'cash', 'repayment', 'price')),
            cured_at timestamptz,
            state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'cured', 'expired', 'cancelled')),
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE UNIQUE INDEX finance_margin_call_open ON finance_margin_call (pledge_id) WHERE state = 'open';
        CREATE INDEX finance_margin_call_company_id ON finance_margin_call (company_id);
        CREATE INDEX finance_margin_call_borrower_company_id ON finance_margin_call (borrower_company_id);
        CREATE INDEX finance_margin_call_order ON finance_margin_call (opened_at DESC, id DESC);

        CREATE TABLE finance_release (
            id bigserial PRIMARY KEY,
            name text NOT NULL DEFAULT 'REL/' || lpad(nextval('finance_release_name_seq')::text, 6, '0'),
            pledge_id bigint NOT NULL REFERENCES finance_pledge (id) ON DELETE RESTRICT,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            borrower_company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            supervisor_company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            repayment_id bigint REFERENCES finance_repayment (id) ON DELETE RESTRICT,
            release_value numeric(20, 2) NOT NULL DEFAULT 0,
            approved_by bigint REFERENCES res_users (id) ON DELETE RESTRICT,
            approved_at timestamptz,
            scanned_by bigint REFERENCES res_users (id) ON DELETE RESTRICT,
            picked_at timestamptz,
            picking_id bigint REFERENCES stock_picking (id) ON DELETE RESTRICT,
            kind text NOT NULL DEFAULT 'release' CHECK (kind IN ('release', 'liquidation')),
            proceeds numeric(20, 2),
            idempotency_key text UNIQUE,
            state text NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'approved', 'picked', 'done', 'rejected')),
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX finance_release_pledge_id ON finance_release (pledge_id);
        CREATE INDEX finance_release_company_id ON finance_release (company_id);
        CREATE INDEX finance_release_borrower_company_id ON finance_release (borrower_company_id);
        CREATE INDEX finance_release_supervisor_company_id ON finance_release (supervisor_company_id);
        CREATE INDEX finance_release_order ON finance_release (id DESC);
        CREATE TABLE finance_release_line (
            id bigserial PRIMARY KEY,
            release_id bigint NOT NULL REFERENCES finance_release (id) ON DELETE CASCADE,
            pledge_line_id bigint NOT NULL REFERENCES finance_pledge_line (id) ON DELETE RESTRICT,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            quantity numeric NOT NULL CHECK (quantity > 0),
            value numeric(20, 2) NOT NULL DEFAULT 0,
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz
        );
        CREATE INDEX finance_release_line_release_id ON finance_release_line (release_id);
        CREATE INDEX finance_release_line_pledge_line_id ON finance_release_line (pledge_line_id);
        CREATE INDEX finance_release_line_company_id ON finance_release_line (company_id);

        CREATE TABLE finance_receivable (
            id bigserial PRIMARY KEY,
            name text NOT NULL DEFAULT 'AR/' || lpad(nextval('finance_receivable_name_seq')::text, 6, '0'),
            supplier_id bigint NOT NULL REFERENCES res_partner (id) ON DELETE RESTRICT,
            debtor_company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            purchase_order_id bigint REFERENCES purchase_order (id) ON DELETE RESTRICT,
            receipt_picking_id bigint REFERENCES stock_picking (id) ON DELETE RESTRICT,
            bill_ref text,
            face_amount numeric(20, 2) NOT NULL CHECK (face_amount > 0),
            due_date date NOT NULL,
            confirmed_at timestamptz,
            confirmed_by bigint REFERENCES res_users (id) ON DELETE RESTRICT,
            assigned_to_id bigint REFERENCES res_partner (id) ON DELETE RESTRICT,
            loan_id bigint REFERENCES finance_loan (id) ON DELETE RESTRICT,
            advance_amount numeric(20, 2),
            registration_no text,
            state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'confirmed', 'assigned', 'settled', 'disputed', 'cancelled')),
            create_uid bigint, create_date timestamptz, write_uid bigint, write_date timestamptz,
            CONSTRAINT finance_receivable_assigned CHECK (state NOT IN ('assigned', 'settled') OR loan_id IS NOT NULL OR confirmed_at IS NOT NULL),
            CONSTRAINT finance_receivable_confirmed CHECK (state IN ('draft', 'cancelled') OR confirmed_at IS NOT NULL)
        );
        -- One receivable per bill of a supplier; one assignment per receivable (loan_id, set once).
        CREATE UNIQUE INDEX finance_receivable_bill ON finance_receivable (supplier_id, bill_ref) WHERE bill_ref IS NOT NULL AND state <> 'cancelled';
        CREATE INDEX finance_receivable_supplier_id ON finance_receivable (supplier_id);
        CREATE INDEX finance_receivable_debtor_company_id ON finance_receivable (debtor_company_id);
        CREATE INDEX finance_receivable_company_id ON finance_receivable (company_id);
        CREATE INDEX finance_receivable_loan_id ON finance_receivable (loan_id) WHERE loan_id IS NOT NULL;
        CREATE INDEX finance_receivable_order ON finance_receivable (id DESC);

        CREATE TABLE finance_collateral_alert (
            id bigserial PRIMARY KEY,
            pledge_id bigint NOT NULL REFERENCES finance_pledge (id) ON DELETE CASCADE,
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            borrower_company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            supervisor_company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            source text NOT NULL CHECK (source IN ('rfid_gate', 'count', 'door', 'price')),
            reader_id bigint REFERENCES stock_rfid_reader (id) ON DELETE SET NULL,
            package_id bigint REFERENCES stock_quant_package (id) ON DELETE SET NULL,
            payload text,
            state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
            create_uid bigint, create_date timestamptz NOT NULL DEFAULT now(), write_uid bigint, write_date timestamptz
        );
        CREATE UNIQUE INDEX finance_collateral_alert_open ON finance_collateral_alert (pledge_id, source, package_id) NULLS NOT DISTINCT
            WHERE state = 'open';
        CREATE INDEX finance_collateral_alert_company_id ON finance_collateral_alert (company_id);
        CREATE INDEX finance_collateral_alert_borrower_company_id ON finance_collateral_alert (borrower_company_id);
        CREATE INDEX finance_collateral_alert_supervisor_company_id ON finance_collateral_alert (supervisor_company_id);
        CREATE INDEX finance_collateral_alert_order ON finance_collateral_alert (create_date DESC, id DESC);

        -- Accounting entries for the lender's and the borrower's books, balanced per entry
        -- (`move`); `tx` is the writing transaction, so an export after (tx, id) never skips a
        -- row committed late.
        CREATE TABLE finance_entry (
            id bigserial PRIMARY KEY,
            move text NOT NULL,
            book text NOT NULL CHECK (book IN ('lender', 'borrower')),
            company_id bigint NOT NULL REFERENCES res_company (id) ON DELETE RESTRICT,
            borrower_company_id bigint REFERENCES res_company (id) ON DELETE RESTRICT,
            partner_id bigint REFERENCES res_partner (id) ON DELETE RESTRICT,
            loan_id bigint REFERENCES finance_loan (id) ON DELETE RESTRICT,
            event text NOT NULL CHECK (event IN ('disbursement', 'accrual', 'repayment', 'fee', 'write_off')),
            date date NOT NULL,
            account text NOT NULL,
            debit numeric(20, 2) NOT NULL DEFAULT 0 CHECK (debit >= 0),
            credit numeric(20, 2) NOT NULL DEFAULT 0 CHECK (credit >= 0),
            tx bigint NOT NULL DEFAULT pg_current_xact_id()::text::bigint,
            create_uid bigint, create_date timestamptz NOT NULL DEFAULT now(), write_uid bigint, write_date timestamptz,
            CONSTRAINT finance_entry_side CHECK ((debit = 0) <> (credit = 0))
        );
        CREATE INDEX finance_entry_export ON finance_entry (tx, id);
        CREATE INDEX finance_entry_loan_id ON finance_entry (loan_id);
        CREATE INDEX finance_entry_company_id ON finance_entry (company_id);
        CREATE INDEX finance_entry_borrower_company_id ON finance_entry (borrower_company_id);
        CREATE INDEX finance_entry_order ON finance_entry (id DESC);
        CREATE TRIGGER finance_entry_append_only BEFORE UPDATE OR DELETE ON finance_entry
            FOR EACH STATEMENT EXECUTE FUNCTION finance_append_only();
        CREATE FUNCTION finance_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE unbalanced text;
        BEGIN
            SELECT move INTO unbalanced FROM new_entries GROUP BY move, book HAVING sum(debit) <> sum(credit) LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'Accounting entry % does not balance: debit and credit differ', unbalanced USING ERRCODE = '23514';
            END IF;
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER finance_entry_balanced AFTER INSERT ON finance_entry
            REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION finance_entry_balanced();

        -- Every reference is indexed: deleting the referenced row checks it.
        CREATE INDEX finance_collateral_alert_reader_id ON finance_collateral_alert (reader_id);
        CREATE INDEX finance_collateral_alert_package_id ON finance_collateral_alert (package_id);
        CREATE INDEX finance_credit_line_currency_id ON finance_credit_line (currency_id);
        CREATE INDEX finance_credit_line_market_pricelist_id ON finance_credit_line (market_pricelist_id);
        CREATE INDEX finance_entry_partner_id ON finance_entry (partner_id);
        CREATE INDEX finance_loan_lender_id ON finance_loan (lender_id);
        CREATE INDEX finance_pledge_pledgor_id ON finance_pledge (pledgor_id);
        CREATE INDEX finance_pledge_supervisor_id ON finance_pledge (supervisor_id);
        CREATE INDEX finance_pledge_warehouse_id ON finance_pledge (warehouse_id);
        CREATE INDEX finance_pledge_line_lot_id ON finance_pledge_line (lot_id);
        CREATE INDEX finance_pledge_line_package_id ON finance_pledge_line (package_id);
        CREATE INDEX finance_receivable_purchase_order_id ON finance_receivable (purchase_order_id);
        CREATE INDEX finance_receivable_receipt_picking_id ON finance_receivable (receipt_picking_id);
        CREATE INDEX finance_receivable_confirmed_by ON finance_receivable (confirmed_by);
        CREATE INDEX finance_receivable_assigned_to_id ON finance_receivable (assigned_to_id);
        CREATE INDEX finance_release_repayment_id ON finance_release (repayment_id);
        CREATE INDEX finance_release_approved_by ON finance_release (approved_by);
        CREATE INDEX finance_release_scanned_by ON finance_release (scanned_by);
        CREATE INDEX finance_release_picking_id ON finance_release (picking_id);

        INSERT INTO res_groups (name, xmlid) VALUES ('Finance / Officer', 'finance.group_finance_officer');
        INSERT INTO res_groups_users_rel (gid, uid) SELECT id, 2 FROM res_groups WHERE xmlid = 'finance.group_finance_officer';
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date)
            SELECT 'finance', 'group_finance_officer', 'res.groups', id, true, now(), now() FROM res_groups WHERE xmlid = 'finance.group_finance_officer';
        INSERT INTO ir_model_access (name, model, group_id, perm_read, perm_write, perm_create, perm_unlink)
            SELECT m || ' user', m, 1, true, false, false, false
                FROM unnest(ARRAY['finance.credit.line', 'finance.loan', 'finance.loan.accrual', 'finance.repayment', 'finance.pledge',
                                  'finance.pledge.line', 'finance.valuation', 'finance.margin.call', 'finance.release', 'finance.release.line',
                                  'finance.receivable', 'finance.collateral.alert', 'finance.entry']) m
            UNION ALL
            SELECT m || ' portal', m, g.id, true, false, false, false
                FROM unnest(ARRAY['finance.credit.line', 'finance.loan', 'finance.repayment', 'finance.receivable']) m, res_groups g
                WHERE g.xmlid = 'base.group_portal'
            UNION ALL
            SELECT m || ' officer', m, g.id, true, true, true, false
                FROM unnest(ARRAY['finance.credit.line', 'finance.loan', 'finance.pledge', 'finance.release', 'finance.receivable',
                                  'finance.collateral.alert']) m, res_groups g
                WHERE g.xmlid IN ('finance.group_finance_officer', 'base.group_system');
        """#,
        financeFunctions,
        AuditTriggers.create(table: "finance_credit_line", model: "finance.credit.line", columns: [
            "name", "borrower_id", "lender_id", "company_id", "limit_amount", "product_type", "max_ltv", "warning_ltv", "call_ltv",
            "liquidation_ltv", "rate_type", "rate", "spread_bp", "overdue_markup", "market_pricelist_id", "registration_no", "state",
        ], hashJoin: true),
        AuditTriggers.create(table: "finance_loan", model: "finance.loan", columns: [
            "credit_line_id", "principal_amount", "principal_outstanding", "interest_paid", "penalty_paid", "fees_outstanding", "maturity_date",
            "pledge_id", "state",
        ], hashJoin: true),
        AuditTriggers.create(table: "finance_pledge", model: "finance.pledge", columns: [
            "credit_line_id", "kind", "pledgor_id", "supervisor_id", "location_id", "margin_cash", "registration_no", "receipt_no", "state",
        ], hashJoin: true),
        AuditTriggers.create(table: "finance_pledge_line", model: "finance.pledge.line", columns: ["pledge_id", "quant_id", "quantity", "damaged", "state"], hashJoin: true),
        AuditTriggers.create(table: "finance_release", model: "finance.release", columns: ["pledge_id", "approved_by", "scanned_by", "state"], hashJoin: true),
        AuditTriggers.create(table: "finance_receivable", model: "finance.receivable", columns: [
            "supplier_id", "face_amount", "due_date", "confirmed_by", "assigned_to_id", "loan_id", "advance_amount", "state",
        ], hashJoin: true),
    ].joined(separator: "\n"))
}
