import ChainstoreCore

extension Migration {
    /// The ledger is append-only: a done move or move line cannot be deleted, nor its product,
    /// places, lot, packages or quantities changed, whoever tries (a generic write, a cascade
    /// from its transfer). An applied count takes no more lines.
    static let doneIsFinal = Migration("0006_done_is_final", sql: #"""
        CREATE FUNCTION chainstore_move_line_final() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                IF OLD.state = 'done' THEN
                    RAISE check_violation USING MESSAGE = 'Done move lines cannot be deleted; return the goods instead.', CONSTRAINT = 'stock_move_line_done_is_final';
                END IF;
                RETURN OLD;
            END IF;
            IF OLD.state = 'done' AND (NEW.state, NEW.product_id, NEW.location_id, NEW.location_dest_id, NEW.lot_id, NEW.package_id,
                    NEW.result_package_id, NEW.owner_id, NEW.quantity, NEW.quantity_product_uom)
                IS DISTINCT FROM (OLD.state, OLD.product_id, OLD.location_id, OLD.location_dest_id, OLD.lot_id, OLD.package_id,
                    OLD.result_package_id, OLD.owner_id, OLD.quantity, OLD.quantity_product_uom) THEN
                RAISE check_violation USING MESSAGE = 'Done move lines cannot be changed; return the goods instead.', CONSTRAINT = 'stock_move_line_done_is_final';
            END IF;
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER stock_move_line_final BEFORE UPDATE OR DELETE ON stock_move_line
            FOR EACH ROW EXECUTE FUNCTION chainstore_move_line_final();

        CREATE FUNCTION chainstore_move_final() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                IF OLD.state = 'done' THEN
                    RAISE check_violation USING MESSAGE = 'Done stock moves cannot be deleted; return the goods instead.', CONSTRAINT = 'stock_move_done_is_final';
                END IF;
                RETURN OLD;
            END IF;
            IF OLD.state = 'done' AND (NEW.state, NEW.product_id, NEW.location_id, NEW.location_dest_id, NEW.product_uom_qty, NEW.product_uom, NEW.quantity)
                IS DISTINCT FROM (OLD.state, OLD.product_id, OLD.location_id, OLD.location_dest_id, OLD.product_uom_qty, OLD.product_uom, OLD.quantity) THEN
                RAISE check_violation USING MESSAGE = 'Done stock moves cannot be changed; return the goods instead.', CONSTRAINT = 'stock_move_done_is_final';
            END IF;
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER stock_move_final BEFORE UPDATE OR DELETE ON stock_move
            FOR EACH ROW EXECUTE FUNCTION chainstore_move_final();

        CREATE FUNCTION chainstore_count_line_open() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            IF EXISTS (SELECT 1 FROM stock_count WHERE id = NEW.count_id AND state <> 'draft') THEN
                RAISE check_violation USING MESSAGE = 'This count is already applied or cancelled.', CONSTRAINT = 'stock_count_line_open';
            END IF;
            RETURN NEW;
        END
        $fn$;
        CREATE TRIGGER stock_count_line_open BEFORE INSERT OR UPDATE ON stock_count_line
            FOR EACH ROW EXECUTE FUNCTION chainstore_count_line_open();
        """#)
}
