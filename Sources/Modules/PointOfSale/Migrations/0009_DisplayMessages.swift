import ChainstoreCore

extension Migration {
    /// What the customer display shows between sales: one message per line, in turn.
    static let displayMessages = Migration("0009_display_messages", sql: #"""
        ALTER TABLE pos_config ADD COLUMN customer_display_messages text;
        """#)
}
