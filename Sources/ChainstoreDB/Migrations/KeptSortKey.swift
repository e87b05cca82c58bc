import ChainstoreCore

/// The SQL that keeps a linked record's first order key on the rows that link to it, for a
/// many2one sorted by a kept column (`FieldSpec.sortColumn`): the column with its existing
/// values and its order index, and the trigger on the linked table that copies a changed key.
/// Filling the key when a row is made or relinked is left to the table's own fill trigger,
/// which already reads the linked record (a line's company, a rule's warehouse).
///
/// Migrations are checksummed: the text made here must never change for a migration already
/// applied; a different shape is a new function.
public enum KeptSortKey {
    /// Adds `column` (`type`) to `table`, filled from `parent.key` through `link` by rewriting the
    /// table (the column "changed" to its own type through a function): no row triggers, no dead
    /// copy of every row and index entry, as an `UPDATE` of 25 million rules would leave. With
    /// `required`, the column is `NOT NULL`. Then the order's index, `index` its key list.
    public static func add(table: String, column: String, type: String, link: String, parent: String, key: String,
                           required: Bool, index: String) -> String {
        let notNull = required ? ",\n    ALTER COLUMN \(column) SET NOT NULL" : ""
        return """
            ALTER TABLE \(table) ADD COLUMN \(column) \(type);
            CREATE FUNCTION pg_temp.kept_\(column)(linked bigint) RETURNS \(type) LANGUAGE sql STABLE AS $fn$
                SELECT \(key) FROM \(parent) WHERE id = linked
            $fn$;
            ALTER TABLE \(table) ALTER COLUMN \(column) TYPE \(type) USING pg_temp.kept_\(column)(\(link))\(notNull);
            DROP FUNCTION pg_temp.kept_\(column)(bigint);
            CREATE INDEX \(table)_\(column)_order ON \(table) (\(index));

            """
    }

    /// The trigger on `parent` copying a changed `key` to `table.column` of the rows whose `link`
    /// names it, fired by an update of any of `watching` (the columns that may change the key,
    /// itself included, since a trigger on the parent may set it without naming it).
    public static func follow(table: String, column: String, link: String, parent: String, key: String, watching: [String]) -> String {
        let function = "\(parent)_\(key)_to_\(table)"
        return """
            CREATE FUNCTION \(function)() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
                UPDATE \(table) SET \(column) = NEW.\(key) WHERE \(link) = NEW.id;
                RETURN NULL;
            END
            $fn$;
            CREATE TRIGGER \(function) AFTER UPDATE OF \(watching.joined(separator: ", ")) ON \(parent)
                FOR EACH ROW WHEN (OLD.\(key) IS DISTINCT FROM NEW.\(key)) EXECUTE FUNCTION \(function)();

            """
    }
}
