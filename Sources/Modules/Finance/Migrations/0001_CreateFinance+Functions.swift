import ChainstoreCore

extension Migration {
    /// The rules the database keeps whoever writes: the lines of a credit line, pledged goods that
    /// stay put, pledged quantity within what is on hand, and the set-based valuation, accrual and
    /// interest posting the methods and the nightly jobs call.
    static let financeFunctions = #"""
        CREATE FUNCTION finance_credit_line_defaults() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            NEW.warning_ltv := coalesce(NEW.warning_ltv, NEW.max_ltv + 0.10);
            NEW.call_ltv := coalesce(NEW.call_ltv, NEW.max_ltv + 0.15);
            NEW.liquidation_ltv := coalesce(NEW.liquidation_ltv, NEW.max_ltv + 0.25);
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER finance_credit_line_defaults BEFORE INSERT ON finance_credit_line
            FOR EACH ROW EXECUTE FUNCTION finance_credit_line_defaults();

        -- The parties of a record follow its credit line: the borrower's company when it runs on
        -- the platform, the lender's (or programme's) company, the supervising DC's company.
        -- A borrower named as a company of the group borrows as its legal entity (its partner,
        -- made as Odoo makes it when the company has none); a partner named is matched to its
        -- company when it is one of the group's.
        CREATE FUNCTION finance_credit_line_borrower() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE entity bigint;
        BEGIN
            IF NEW.borrower_id IS NULL AND NEW.borrower_company_id IS NOT NULL THEN
                SELECT c.partner_id INTO entity FROM res_company c WHERE c.id = NEW.borrower_company_id FOR UPDATE;
                IF entity IS NULL THEN
                    INSERT INTO res_partner (name, is_company, company_id, create_uid, create_date, write_uid, write_date)
                    SELECT c.name, true, c.id, NEW.create_uid, now(), NEW.create_uid, now() FROM res_company c WHERE c.id = NEW.borrower_company_id
                    RETURNING id INTO entity;
                    UPDATE res_company SET partner_id = entity WHERE id = NEW.borrower_company_id;
                END IF;
                NEW.borrower_id := entity;
            ELSIF NEW.borrower_id IS NOT NULL THEN
                NEW.borrower_company_id := (SELECT c.id FROM res_company c WHERE c.partner_id = NEW.borrower_id ORDER BY c.id LIMIT 1);
            END IF;
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER finance_credit_line_borrower BEFORE INSERT OR UPDATE OF borrower_id, borrower_company_id ON finance_credit_line
            FOR EACH ROW EXECUTE FUNCTION finance_credit_line_borrower();
        CREATE FUNCTION finance_parties() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE line record;
        BEGIN
            SELECT cl.company_id, cl.borrower_company_id, cl.borrower_id, cl.lender_id INTO line FROM finance_credit_line cl WHERE cl.id = NEW.credit_line_id;
            NEW.company_id := line.company_id;
            NEW.borrower_company_id := line.borrower_company_id;
            IF TG_TABLE_NAME = 'finance_loan' THEN
                NEW.borrower_id := line.borrower_id;
                NEW.lender_id := line.lender_id;
            ELSE
                NEW.pledgor_id := coalesce(NEW.pledgor_id, line.borrower_id);
                NEW.supervisor_company_id := coalesce((SELECT w.company_id FROM stock_warehouse w WHERE w.id = NEW.warehouse_id),
                                                      (SELECT c.id FROM res_company c WHERE c.partner_id = NEW.supervisor_id ORDER BY c.id LIMIT 1));
                NEW.supervisor_id := coalesce(NEW.supervisor_id, (SELECT c.partner_id FROM res_company c WHERE c.id = NEW.supervisor_company_id));
            END IF;
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER finance_loan_parties BEFORE INSERT OR UPDATE OF credit_line_id ON finance_loan
            FOR EACH ROW EXECUTE FUNCTION finance_parties();
        CREATE TRIGGER finance_pledge_parties BEFORE INSERT OR UPDATE OF credit_line_id, warehouse_id, supervisor_id ON finance_pledge
            FOR EACH ROW EXECUTE FUNCTION finance_parties();

        -- Goods in a pledge location leave only under a release the lender approved, moved by the
        -- supervisor's scan (the release path names it for its transaction), and never below the
        -- quantity still pledged: a delivery, a transfer, a count or a sale of them is refused in
        -- its own statement (finance spec §2.8, §6.3 invariants 1 and 2).
        CREATE FUNCTION finance_quant_guard() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE bad record;
        BEGIN
            SELECT p.name AS pledge, l.complete_name AS place INTO bad
            FROM new_quants n JOIN old_quants o ON o.id = n.id
            JOIN stock_location l ON l.id = n.location_id AND l.finance_pledge_id IS NOT NULL
            JOIN finance_pledge p ON p.id = l.finance_pledge_id AND p.state NOT IN ('released', 'liquidated', 'cancelled')
            WHERE n.quantity < o.quantity
              AND (n.quantity < coalesce((SELECT sum(fl.quantity) FROM finance_pledge_line fl WHERE fl.quant_id = n.id AND fl.state = 'open'), 0)
                   OR NOT EXISTS (SELECT 1 FROM finance_release r WHERE r.pledge_id = p.id AND r.state = 'approved'
                                  AND r.id::text = current_setting('chainstore.finance_release', true)))
            LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'Goods pledged under % at % cannot leave without a release approved by the lender and scanned by the supervisor.',
                    bad.pledge, bad.place USING ERRCODE = '23514';
            END IF;
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER finance_quant_guard AFTER UPDATE ON stock_quant
            REFERENCING OLD TABLE AS old_quants NEW TABLE AS new_quants FOR EACH STATEMENT EXECUTE FUNCTION finance_quant_guard();

        CREATE FUNCTION finance_pledge_line_on_hand() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE held numeric; pledged numeric;
        BEGIN
            SELECT q.quantity INTO held FROM stock_quant q WHERE q.id = NEW.quant_id;
            SELECT sum(fl.quantity) INTO pledged FROM finance_pledge_line fl WHERE fl.quant_id = NEW.quant_id AND fl.state = 'open';
            IF pledged > coalesce(held, 0) THEN
                RAISE EXCEPTION 'The pledged quantity % is more than the % on hand.', pledged, coalesce(held, 0) USING ERRCODE = '23514';
            END IF;
            RETURN NULL;
        END
        $fn$;
        CREATE CONSTRAINT TRIGGER finance_pledge_line_on_hand AFTER INSERT OR UPDATE ON finance_pledge_line DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW WHEN (NEW.state = 'open') EXECUTE FUNCTION finance_pledge_line_on_hand();

        -- The market price of products in price lists on a day: for each (list, product) its first
        -- applicable rule (variant, product, nearest category, global) for one unit; the sales
        -- price otherwise. Set-based, each kind of rule found through its own index.
        CREATE INDEX product_pricelist_item_global ON product_pricelist_item (pricelist_id) WHERE applied_on = '3_global';
        CREATE FUNCTION finance_market_prices(lists bigint[], products bigint[], at timestamptz)
        RETURNS TABLE (list bigint, product bigint, market numeric) LANGUAGE sql STABLE AS $fn$
            SELECT d.list, d.product, coalesce(r.price, t.list_price)
            FROM unnest(lists, products) AS d(list, product)
            JOIN product_product p ON p.id = d.product JOIN product_template t ON t.id = p.product_tmpl_id
            JOIN product_category tc ON tc.id = t.categ_id
            LEFT JOIN LATERAL (
                SELECT CASE x.compute_price
                           WHEN 'fixed' THEN x.fixed_price
                           WHEN 'percentage' THEN round(t.list_price * (1 - x.percent_price / 100), 2)
                           ELSE round((CASE x.base WHEN 'standard_price' THEN t.standard_price ELSE t.list_price END) * (1 - x.price_discount / 100)
                                      + x.price_surcharge, 2)
                       END AS price
                FROM (
                    SELECT i.*, 0 AS rank, 0 AS depth FROM product_pricelist_item i
                        WHERE i.product_id = p.id AND i.applied_on = '0_product_variant' AND i.pricelist_id = d.list
                    UNION ALL
                    SELECT i.*, 1, 0 FROM product_pricelist_item i
                        WHERE i.product_tmpl_id = p.product_tmpl_id AND i.applied_on = '1_product' AND i.pricelist_id = d.list
                    UNION ALL
                    SELECT i.*, 2, -length(c.parent_path) FROM product_pricelist_item i JOIN product_category c ON c.id = i.categ_id
                        WHERE i.categ_id = ANY(string_to_array(rtrim(tc.parent_path, '/'), '/')::bigint[]) AND i.applied_on = '2_product_category'
                          AND i.pricelist_id = d.list
                    UNION ALL
                    SELECT i.*, 3, 0 FROM product_pricelist_item i WHERE i.applied_on = '3_global' AND i.pricelist_id = d.list) x
                WHERE d.list IS NOT NULL AND x.min_quantity <= 1 AND (x.date_start IS NULL OR x.date_start <= at) AND (x.date_end IS NULL OR x.date_end >= at)
                ORDER BY x.rank, x.depth, x.min_quantity DESC, x.id LIMIT 1) r ON true
        $fn$;

        -- Values pledges now (finance spec §2): every open line at the lower of cost and market
        -- less the category's haircut, ineligible lines (excluded category, expired, near expiry,
        -- someone else's goods, no cost) at nil; a floating charge at the eligible stock of its
        -- store; appends a valuation; opens a margin call past the call line, cures it at the
        -- opening line, starts enforcement past the liquidation line. Answers the events.
        CREATE FUNCTION finance_revalue(pledges bigint[], why text, cure text DEFAULT NULL)
        RETURNS TABLE (pledge_id bigint, company_id bigint, borrower_company_id bigint, supervisor_company_id bigint, event text, ltv numeric,
                       required_value numeric)
        -- One plan per statement for the session: planning the joins again on every call (a
        -- custom plan for each array of pledges) cost four times the work itself for one pledge.
        LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET jit = off AS $fn$
        #variable_conflict use_column
        DECLARE ids bigint[]; befores numeric[];
        BEGIN
            SELECT array_agg(x.id ORDER BY x.id), array_agg(coalesce(x.ltv, 0) ORDER BY x.id) INTO ids, befores
            FROM (SELECT p.id, p.ltv FROM finance_pledge p WHERE p.id = ANY(pledges) AND p.state IN ('goods_in', 'active', 'called', 'in_enforcement')
                  ORDER BY p.id FOR NO KEY UPDATE) x;
            IF ids IS NULL THEN RETURN; END IF;
            -- Each line's facts once, each product's market price once (materialised: an inlined
            -- expression would call the price lookup once per use).
            WITH lines AS MATERIALIZED (
                SELECT fl.id, fl.quantity, fl.product_id, cl.market_pricelist_id AS list, cl.near_expiry_days, p.pledgor_id, q.owner_id,
                       q.company_id, fl.lot_id, fl.damaged, fl.unit_cost, fl.unit_market, fl.haircut, fl.value
                FROM unnest(ids) x(id) JOIN finance_pledge_line fl ON fl.pledge_id = x.id AND fl.state = 'open'
                JOIN finance_pledge p ON p.id = fl.pledge_id JOIN finance_credit_line cl ON cl.id = p.credit_line_id
                LEFT JOIN stock_quant q ON q.id = fl.quant_id),
            pairs AS MATERIALIZED (SELECT DISTINCT list, product_id FROM lines),
            prices AS MATERIALIZED (
                SELECT m.list, m.product AS product_id, m.market
                FROM finance_market_prices(ARRAY(SELECT list FROM pairs ORDER BY list, product_id),
                                           ARRAY(SELECT product_id FROM pairs ORDER BY list, product_id), now()) m),
            v AS MATERIALIZED (
                SELECT l.id, l.quantity, l.unit_cost, l.unit_market, l.haircut, l.value AS old_value, pr.market, cat.finance_haircut AS cut,
                       CASE WHEN c.quantity > 0 THEN round(c.value / c.quantity, 6) WHEN t.standard_price > 0 THEN t.standard_price END AS cost,
                       CASE WHEN NOT cat.finance_eligible THEN 'category'
                            WHEN l.damaged THEN 'damaged'
                            WHEN lot.expiration_date IS NOT NULL AND lot.expiration_date <= now() THEN 'expired'
                            WHEN lot.removal_date IS NOT NULL AND lot.removal_date <= now() + make_interval(days => l.near_expiry_days) THEN 'near_expiry'
                            WHEN l.owner_id IS NOT NULL AND l.owner_id <> l.pledgor_id THEN 'not_owned'
                            WHEN coalesce(c.quantity, 0) <= 0 AND t.standard_price <= 0 THEN 'no_cost'
                            WHEN pr.market IS NULL THEN 'no_market'
                       END AS reason
                FROM lines l JOIN prices pr ON pr.list IS NOT DISTINCT FROM l.list AND pr.product_id = l.product_id
                JOIN product_product pp ON pp.id = l.product_id JOIN product_template t ON t.id = pp.product_tmpl_id
                JOIN product_category cat ON cat.id = t.categ_id
                LEFT JOIN stock_lot lot ON lot.id = l.lot_id
                LEFT JOIN stock_product_cost c ON c.company_id = l.company_id AND c.product_id = l.product_id),
            w AS MATERIALIZED (
                SELECT v.*, CASE WHEN v.reason IS NULL THEN round(v.quantity * least(v.cost, v.market) * (1 - v.cut), 2) ELSE 0 END AS new_value
                FROM v)
            UPDATE finance_pledge_line fl SET unit_cost = w.cost, unit_market = w.market, haircut = w.cut, eligible = w.reason IS NULL,
                   ineligible_reason = w.reason, value = w.new_value
            FROM w WHERE fl.id = w.id
              AND (w.unit_cost, w.unit_market, w.haircut, w.old_value) IS DISTINCT FROM (w.cost, w.market, w.cut, w.new_value);
            WITH goods AS (
                SELECT p.id, CASE WHEN p.kind = 'floating_charge' THEN (
                           SELECT coalesce(sum(round(q.quantity * least(coalesce(CASE WHEN c.quantity > 0 THEN c.value / c.quantity END, t.standard_price),
                                                                            m.market)
                                                     * (1 - cat.finance_haircut), 2)), 0)
                           FROM stock_location root JOIN stock_location l ON l.parent_path LIKE root.parent_path || '%' AND l.usage = 'internal'
                           JOIN stock_quant q ON q.location_id = l.id AND q.quantity > 0
                           JOIN LATERAL finance_market_prices(ARRAY[cl.market_pricelist_id], ARRAY[q.product_id], now()) m ON true
                           JOIN product_product pp ON pp.id = q.product_id JOIN product_template t ON t.id = pp.product_tmpl_id
                           JOIN product_category cat ON cat.id = t.categ_id AND cat.finance_eligible
                           LEFT JOIN stock_lot lot ON lot.id = q.lot_id
                           LEFT JOIN stock_product_cost c ON c.company_id = q.company_id AND c.product_id = q.product_id
                           WHERE root.id = p.location_id AND (q.owner_id IS NULL OR q.owner_id = p.pledgor_id)
                             AND (lot.expiration_date IS NULL OR lot.expiration_date > now())
                             AND (lot.removal_date IS NULL OR lot.removal_date > now() + make_interval(days => cl.near_expiry_days)))
                       ELSE coalesce((SELECT sum(fl.value) FROM finance_pledge_line fl WHERE fl.pledge_id = p.id AND fl.state = 'open'), 0) END AS value,
                       coalesce((SELECT sum(l.exposure) FROM finance_loan l WHERE l.pledge_id = p.id
                                 AND l.state IN ('disbursed', 'overdue', 'in_enforcement')), 0) AS exposure, cl.max_ltv
                FROM finance_pledge p JOIN finance_credit_line cl ON cl.id = p.credit_line_id WHERE p.id = ANY(ids)),
            valued AS (
                UPDATE finance_pledge p SET goods_value = g.value, collateral_value = g.value + p.margin_cash, exposure = g.exposure,
                       min_controlled_value = ceil(g.exposure / g.max_ltv * 100) / 100,
                       ltv = CASE WHEN g.value + p.margin_cash > 0 THEN round(g.exposure / (g.value + p.margin_cash), 6)
                                  WHEN g.exposure > 0 THEN 99999999 ELSE 0 END,
                       last_valued_at = now()
                FROM goods g WHERE p.id = g.id
                RETURNING p.id, p.company_id, p.borrower_company_id, p.supervisor_company_id, p.goods_value, p.collateral_value, p.exposure, p.ltv)
            INSERT INTO finance_valuation (pledge_id, company_id, borrower_company_id, supervisor_company_id, valued_at, goods_value, collateral_value,
                                           exposure, ltv, line_snapshot, trigger)
            SELECT v.id, v.company_id, v.borrower_company_id, v.supervisor_company_id, now(), v.goods_value, v.collateral_value, v.exposure, v.ltv,
                   coalesce((SELECT json_agg(json_build_object('line', fl.id, 'product', fl.product_id, 'lot', fl.lot_id, 'quantity', fl.quantity,
                                                               'cost', fl.unit_cost, 'market', fl.unit_market, 'haircut', fl.haircut,
                                                               'eligible', fl.eligible, 'reason', fl.ineligible_reason, 'value', fl.value) ORDER BY fl.id)
                             FROM finance_pledge_line fl WHERE fl.pledge_id = v.id AND fl.state = 'open')::text, '[]'), why
            FROM valued v;

            RETURN QUERY
            WITH opened AS (
                INSERT INTO finance_margin_call (pledge_id, company_id, borrower_company_id, opened_at, ltv_at_open, required_value, deadline, state,
                                                 create_date, write_date)
                SELECT p.id, p.company_id, p.borrower_company_id, now(), p.ltv,
                       greatest(ceil((p.exposure / cl.max_ltv - p.collateral_value) * 100) / 100, 0), now() + make_interval(days => cl.call_days),
                       'open', now(), now()
                FROM finance_pledge p JOIN finance_credit_line cl ON cl.id = p.credit_line_id
                WHERE p.id = ANY(ids) AND p.state = 'active' AND p.ltv > cl.call_ltv
                ON CONFLICT (pledge_id) WHERE state = 'open' DO NOTHING
                RETURNING pledge_id, ltv_at_open, required_value)
            SELECT o.pledge_id, p.company_id, p.borrower_company_id, p.supervisor_company_id, 'call'::text, o.ltv_at_open, o.required_value
            FROM opened o JOIN finance_pledge p ON p.id = o.pledge_id;
            UPDATE finance_pledge p SET state = 'called', write_date = now()
            WHERE p.id = ANY(ids) AND p.state = 'active' AND EXISTS (SELECT 1 FROM finance_margin_call m WHERE m.pledge_id = p.id AND m.state = 'open');

            RETURN QUERY
            WITH cured AS (
                UPDATE finance_margin_call m SET state = 'cured', cured_at = now(), cure_kind = coalesce(cure, 'price'), write_date = now()
                FROM finance_pledge p JOIN finance_credit_line cl ON cl.id = p.credit_line_id
                WHERE m.pledge_id = p.id AND m.state = 'open' AND p.id = ANY(ids) AND p.state = 'called' AND p.ltv <= cl.max_ltv
                RETURNING m.pledge_id, p.ltv)
            SELECT c.pledge_id, p.company_id, p.borrower_company_id, p.supervisor_company_id, 'cured'::text, c.ltv, 0::numeric
            FROM cured c JOIN finance_pledge p ON p.id = c.pledge_id;
            UPDATE finance_pledge p SET state = 'active', write_date = now()
            WHERE p.id = ANY(ids) AND p.state = 'called' AND NOT EXISTS (SELECT 1 FROM finance_margin_call m WHERE m.pledge_id = p.id AND m.state = 'open');

            RETURN QUERY
            WITH enforced AS (
                UPDATE finance_pledge p SET state = 'in_enforcement', write_date = now()
                FROM finance_credit_line cl
                WHERE cl.id = p.credit_line_id AND p.id = ANY(ids) AND p.state IN ('active', 'called') AND p.ltv > cl.liquidation_ltv
                RETURNING p.id, p.company_id, p.borrower_company_id, p.supervisor_company_id, p.ltv)
            SELECT e.id, e.company_id, e.borrower_company_id, e.supervisor_company_id, 'enforcement'::text, e.ltv, 0::numeric FROM enforced e;
            -- Under enforcement, so are the loans it secures.
            UPDATE finance_loan l SET state = 'in_enforcement', write_date = now()
            FROM unnest(ids) x(id) JOIN finance_pledge p ON p.id = x.id AND p.state = 'in_enforcement'
            WHERE l.pledge_id = p.id AND l.state IN ('disbursed', 'overdue');

            RETURN QUERY
            SELECT p.id, p.company_id, p.borrower_company_id, p.supervisor_company_id, 'warning'::text, p.ltv, 0::numeric
            FROM unnest(ids, befores) b(id, before) JOIN finance_pledge p ON p.id = b.id JOIN finance_credit_line cl ON cl.id = p.credit_line_id
            WHERE b.before <= cl.warning_ltv AND p.ltv > cl.warning_ltv;
        END
        $fn$;

        -- The SSCC of a pallet's tag, from its pure identity URI (urn:epc:id:sscc:CP.SR: the
        -- extension digit, the company prefix, the rest of the serial reference, the check digit).
        CREATE FUNCTION finance_sscc(uri text) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
            SELECT digits || ((10 - (SELECT sum(substr(digits, i, 1)::int * CASE WHEN i % 2 = 1 THEN 3 ELSE 1 END)
                                     FROM generate_series(1, 17) i) % 10) % 10)::text
            FROM (SELECT left(split_part(substr(uri, 17), '.', 2), 1) || split_part(substr(uri, 17), '.', 1)
                         || substr(split_part(substr(uri, 17), '.', 2), 2) AS digits) d
            WHERE uri LIKE 'urn:epc:id:sscc:%' AND d.digits ~ '^[0-9]{17}$'
        $fn$;

        -- A pledged pallet read at a dock door, or by a reader outside its pledge location, with no
        -- release approved: a collateral alert (one open per pledge and pallet) and a margin check
        -- (finance spec §5, IoT monitoring). The read itself is kept; the ledger refuses the move.
        CREATE FUNCTION finance_rfid_watch() RETURNS trigger LANGUAGE plpgsql AS $fn$
        DECLARE touched bigint[];
        BEGIN
            WITH seen AS (
                SELECT DISTINCT ON (p.id, pk.id) p.id AS pledge, p.company_id, p.borrower_company_id, p.supervisor_company_id, s.reader_id,
                       pk.id AS package, json_build_object('epc', s.epc, 'uri', s.uri, 'seen_at', s.last_seen, 'reader_location', r.location_id,
                                                           'pledge_location', p.location_id)::text AS payload
                FROM new_sightings s JOIN stock_rfid_reader r ON r.id = s.reader_id
                JOIN stock_quant_package pk ON pk.name = finance_sscc(s.uri)
                JOIN stock_quant q ON q.package_id = pk.id AND q.quantity > 0
                JOIN stock_location l ON l.id = q.location_id
                JOIN finance_pledge p ON p.id = l.finance_pledge_id AND p.state IN ('goods_in', 'active', 'called', 'in_enforcement')
                WHERE s.uri LIKE 'urn:epc:id:sscc:%' AND (r.role = 'dock' OR r.location_id <> p.location_id)
                  AND NOT EXISTS (SELECT 1 FROM finance_release rl WHERE rl.pledge_id = p.id AND rl.state = 'approved')
                ORDER BY p.id, pk.id, s.id),
            opened AS (
                INSERT INTO finance_collateral_alert (pledge_id, company_id, borrower_company_id, supervisor_company_id, source, reader_id, package_id,
                                                      payload, state, create_date, write_date)
                SELECT pledge, company_id, borrower_company_id, supervisor_company_id, 'rfid_gate', reader_id, package, payload, 'open', now(), now()
                FROM seen
                ON CONFLICT (pledge_id, source, package_id) WHERE state = 'open' DO NOTHING
                RETURNING pledge_id)
            SELECT array_agg(DISTINCT pledge_id) INTO touched FROM opened;
            IF touched IS NOT NULL THEN
                PERFORM finance_revalue(touched, 'stock_move');
            END IF;
            RETURN NULL;
        END
        $fn$;
        CREATE TRIGGER finance_rfid_watch AFTER INSERT ON stock_rfid_sighting
            REFERENCING NEW TABLE AS new_sightings FOR EACH STATEMENT EXECUTE FUNCTION finance_rfid_watch();

        CREATE FUNCTION finance_accrual_partition(day date) RETURNS void LANGUAGE plpgsql AS $fn$
        DECLARE first date := date_trunc('month', day)::date; name text := 'finance_loan_accrual_p' || to_char(day, 'YYYYMM');
        BEGIN
            IF to_regclass(name) IS NULL THEN
                PERFORM pg_advisory_xact_lock(hashtext('finance_loan_accrual partitions'));
                EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF finance_loan_accrual FOR VALUES FROM (%L) TO (%L)',
                               name, first, (first + interval '1 month')::date);
            END IF;
        END
        $fn$;

        -- Daily interest (finance spec §3): for each day from the drawdown (inclusive) on which
        -- principal is outstanding at the day's end, principal × annual rate ÷ 360 (or 365) in
        -- NUMERIC(24,8); the contract rate (plus the misuse markup) before maturity; from maturity
        -- on, penalty interest on the overdue principal and compound interest on the unpaid
        -- interest, at the rate plus the overdue markup. One row per loan, day and kind: a day
        -- accrued again changes nothing. `since` nil: each loan from the day after its last.
        CREATE FUNCTION finance_accrue(upto date, since date DEFAULT NULL, loans bigint[] DEFAULT NULL) RETURNS bigint
        LANGUAGE plpgsql SET jit = off AS $fn$
        DECLARE first date; day date; inserted bigint := 0; ids bigint[];
        BEGIN
            -- The loans as an array looked up through the primary key: a filter "in the list, or
            -- all" would compare every loan with every element of the list.
            ids := coalesce(loans, ARRAY(SELECT l.id FROM finance_loan l WHERE l.state IN ('disbursed', 'overdue', 'in_enforcement') ORDER BY l.id));
            SELECT min(coalesce(since, CASE WHEN l.accrued_through IS NULL THEN l.drawdown_date ELSE l.accrued_through + 1 END)) INTO first
            FROM finance_loan l WHERE l.id = ANY(ids) AND l.state IN ('disbursed', 'overdue', 'in_enforcement');
            IF first IS NULL OR first > upto THEN RETURN 0; END IF;
            PERFORM finance_accrual_partition(m::date) FROM generate_series(date_trunc('month', first), upto, interval '1 month') m;
            -- The credit lines first, then the loans, as drawdowns and repayments take them.
            PERFORM 1 FROM finance_credit_line c
            WHERE c.id IN (SELECT l.credit_line_id FROM finance_loan l WHERE l.id = ANY(ids) AND l.state IN ('disbursed', 'overdue', 'in_enforcement'))
            ORDER BY c.id FOR NO KEY UPDATE;
            -- Day by day: a day's compound interest is on the interest of the days before it.
            FOR day IN SELECT d::date FROM generate_series(first, upto, interval '1 day') d LOOP
                inserted := inserted + finance_accrue_day(day, since, ids);
            END LOOP;
            -- The lines' exposure follows their loans'.
            UPDATE finance_credit_line c SET exposure = x.exposure
            FROM (SELECT l.credit_line_id, sum(l.exposure) AS exposure FROM finance_loan l
                  WHERE l.state IN ('disbursed', 'overdue', 'in_enforcement')
                    AND l.credit_line_id IN (SELECT DISTINCT m.credit_line_id FROM finance_loan m WHERE m.id = ANY(ids))
                  GROUP BY l.credit_line_id) x
            WHERE c.id = x.credit_line_id AND c.exposure <> x.exposure;
            RETURN inserted;
        END
        $fn$;

        -- Without nested loops: the planner cannot know how many loans an array names, took a few,
        -- and joined each loan's new rows to every other's (5,000 × 5,000, four seconds a batch).
        CREATE FUNCTION finance_accrue_day(day date, since date, loans bigint[]) RETURNS bigint LANGUAGE sql SET enable_nestloop = off AS $fn$
            WITH scope AS (
                SELECT l.id, l.company_id, l.borrower_company_id, l.credit_line_id, l.maturity_date, l.misuse, l.principal_amount
                FROM finance_loan l
                WHERE l.id = ANY(loans) AND l.state IN ('disbursed', 'overdue', 'in_enforcement') AND l.drawdown_date <= day
                  AND (since IS NULL OR day >= since) AND (since IS NOT NULL OR l.accrued_through IS NULL OR l.accrued_through < day)
                ORDER BY l.id FOR NO KEY UPDATE),
            days AS (
                SELECT s.*, CASE cl.day_count WHEN 'act_365' THEN 365 ELSE 360 END AS basis, cl.overdue_markup,
                       round(CASE WHEN cl.rate_type = 'fixed' THEN cl.rate
                                  ELSE coalesce((SELECT x.rate_1y FROM finance_lpr x WHERE x.date <= date_trunc('month', day) ORDER BY x.date DESC LIMIT 1), 0)
                                       + cl.spread_bp / 10000.0 END * (1 + CASE WHEN s.misuse THEN cl.misuse_markup ELSE 0 END), 8) AS annual,
                       s.principal_amount - coalesce((SELECT sum(r.principal_paid) FROM finance_repayment r WHERE r.loan_id = s.id AND r.date <= day), 0)
                           AS principal,
                       CASE WHEN day >= s.maturity_date THEN
                           round(coalesce((SELECT sum(a.amount) FROM finance_loan_accrual a WHERE a.loan_id = s.id AND a.kind = 'interest'), 0), 2)
                           - coalesce((SELECT sum(r.interest_paid) FROM finance_repayment r WHERE r.loan_id = s.id AND r.date <= day), 0)
                       ELSE 0 END AS unpaid_interest
                FROM scope s JOIN finance_credit_line cl ON cl.id = s.credit_line_id),
            rows AS (
                SELECT id, company_id, borrower_company_id, 'interest' AS kind, principal AS base, annual AS rate, basis
                    FROM days WHERE day < maturity_date AND principal > 0
                UNION ALL
                SELECT id, company_id, borrower_company_id, 'penalty', principal, round(annual * (1 + overdue_markup), 8), basis
                    FROM days WHERE day >= maturity_date AND principal > 0
                UNION ALL
                SELECT id, company_id, borrower_company_id, 'compound', unpaid_interest, round(annual * (1 + overdue_markup), 8), basis
                    FROM days WHERE day >= maturity_date AND unpaid_interest > 0),
            added AS (
                INSERT INTO finance_loan_accrual (loan_id, company_id, borrower_company_id, date, kind, principal_base, rate, basis, amount)
                SELECT id, company_id, borrower_company_id, day, kind, base, rate, basis, round(base * rate / basis, 8) FROM rows
                ON CONFLICT (loan_id, date, kind) DO NOTHING
                RETURNING loan_id, kind, amount),
            sums AS (
                SELECT loan_id, coalesce(sum(amount) FILTER (WHERE kind = 'interest'), 0) AS interest,
                       coalesce(sum(amount) FILTER (WHERE kind <> 'interest'), 0) AS penalty, count(*) AS n
                FROM added GROUP BY loan_id),
            updated AS (
                UPDATE finance_loan l SET interest_accrued = l.interest_accrued + coalesce(x.interest, 0),
                       penalty_accrued = l.penalty_accrued + coalesce(x.penalty, 0),
                       accrued_through = greatest(l.accrued_through, day),
                       state = CASE WHEN l.state = 'disbursed' AND l.maturity_date <= day THEN 'overdue' ELSE l.state END
                FROM scope s LEFT JOIN sums x ON x.loan_id = s.id WHERE l.id = s.id)
            SELECT coalesce(sum(n), 0)::bigint FROM sums
        $fn$;

        -- Posts the interest accrued and not yet posted, rounded half-up to the fen (the residue
        -- stays in the accrual and is posted with the next): interest receivable against income
        -- in the lender's books, finance expense against interest payable in the borrower's.
        CREATE FUNCTION finance_post_interest(loans bigint[], on_day date) RETURNS bigint LANGUAGE sql AS $fn$
            WITH due AS (
                SELECT l.id, l.company_id, l.borrower_company_id, l.borrower_id, l.lender_id,
                       round(l.interest_accrued, 2) - l.interest_posted AS interest, round(l.penalty_accrued, 2) - l.penalty_posted AS penalty
                FROM finance_loan l WHERE l.id = ANY(loans)
                  AND (round(l.interest_accrued, 2) <> l.interest_posted OR round(l.penalty_accrued, 2) <> l.penalty_posted)),
            posted AS (
                UPDATE finance_loan l SET interest_posted = l.interest_posted + d.interest, penalty_posted = l.penalty_posted + d.penalty
                FROM due d WHERE l.id = d.id RETURNING l.id),
            entries AS (
                INSERT INTO finance_entry (move, book, company_id, borrower_company_id, partner_id, loan_id, event, date, account, debit, credit)
                SELECT 'INT/' || d.id || '/' || to_char(on_day, 'YYYYMMDD'), x.book,
                       CASE WHEN x.book = 'lender' THEN d.company_id ELSE d.borrower_company_id END, d.borrower_company_id,
                       CASE WHEN x.book = 'lender' THEN d.borrower_id ELSE d.lender_id END, d.id, 'accrual', on_day, x.account, x.debit, x.credit
                FROM due d CROSS JOIN LATERAL (VALUES
                    ('lender', 'interest_receivable', d.interest + d.penalty, 0::numeric), ('lender', 'interest_income', 0, d.interest),
                    ('lender', 'penalty_interest_income', 0, d.penalty),
                    ('borrower', 'finance_expense', d.interest + d.penalty, 0), ('borrower', 'interest_payable', 0, d.interest + d.penalty)) x(book, account, debit, credit)
                WHERE (x.debit > 0 OR x.credit > 0) AND (x.book = 'lender' OR d.borrower_company_id IS NOT NULL)
                RETURNING 1)
            SELECT count(*) FROM posted
        $fn$;
        SELECT finance_accrual_partition((now() AT TIME ZONE 'Asia/Shanghai')::date);
        """#
}
