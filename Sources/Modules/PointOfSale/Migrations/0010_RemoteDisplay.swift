import ChainstoreCore

extension Migration {
    /// A customer display on another device: the till also sends its cart through the bus.
    static let remoteDisplay = Migration("0010_remote_display", sql: #"""
        ALTER TABLE pos_config ADD COLUMN customer_display_remote boolean NOT NULL DEFAULT false;
        """#)
}
