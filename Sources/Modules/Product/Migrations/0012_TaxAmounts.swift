import ChainstoreCore

extension Migration {
    /// The amounts of a document line (purchase and sale orders): `gross` = quantity × price after
    /// discount, taxes included in the price taken out, the others added (percentages of the
    /// base, fixed amounts per unit), each rounded to the fen.
    static let taxAmounts = Migration("0012_tax_amounts", sql: #"""
        CREATE FUNCTION account_tax_amounts(gross numeric, qty numeric, taxes bigint[]) RETURNS TABLE (subtotal numeric, tax numeric, total numeric)
        LANGUAGE sql STABLE AS $fn$
            WITH r AS (
                SELECT coalesce(sum(t.amount) FILTER (WHERE t.amount_type = 'percent' AND t.price_include), 0) AS included,
                       coalesce(sum(t.amount) FILTER (WHERE t.amount_type = 'percent' AND NOT t.price_include), 0) AS excluded,
                       coalesce(sum(t.amount) FILTER (WHERE t.amount_type = 'fixed'), 0) AS fixed
                FROM account_tax t WHERE t.id = ANY(taxes)),
            b AS (SELECT round(gross / (1 + r.included / 100), 2) AS base, r.* FROM r),
            x AS (SELECT b.base, round((gross - b.base) + b.base * b.excluded / 100 + b.fixed * qty, 2) AS tax FROM b)
            SELECT x.base, x.tax, x.base + x.tax FROM x
        $fn$;
        """#)
}
