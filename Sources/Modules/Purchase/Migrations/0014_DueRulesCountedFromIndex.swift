import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// The scheduled reordering run counts each company's due rules to cut its batches (whole
    /// companies, about 50,000 rules each). The due condition (active, automatic, not snoozed)
    /// needed every rule's row: for 20,000 stores PostgreSQL read the whole table of 32 million
    /// rules, 6 GB, in 6–7 s of each run, before the first batch could start. The automatic
    /// active rules' companies and snooze dates, indexed on their own, give the same counts
    /// from the index alone.
    static let dueRulesCountedFromIndex = Migration("0014_due_rules_counted_from_index", sql: """
        CREATE INDEX stock_warehouse_orderpoint_due ON stock_warehouse_orderpoint (company_id, snoozed_until)
            WHERE active AND trigger = 'auto';
        """)
}
