import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// The broker's files change only when a device is retired or brought back, or its uid
    /// changes: a statement trigger on `UPDATE OF state` fired on every message a device sent
    /// (the ingestion sets `state` when it marks a device seen), and rewrote the files each time.
    static let brokerAuthOnRetirement = Migration("0003_broker_auth_on_retirement", sql: #"""
        DROP TRIGGER iot_device_broker ON iot_device;
        CREATE TRIGGER iot_device_broker AFTER UPDATE OF uid, state ON iot_device
            FOR EACH ROW WHEN (OLD.uid IS DISTINCT FROM NEW.uid OR (OLD.state = 'retired') IS DISTINCT FROM (NEW.state = 'retired'))
            EXECUTE FUNCTION iot_broker_auth_changed();
        """#)
}
