import ChainstoreCore

extension ModelSpec {
    /// A fixed reader (a dock door, a shelf) or a mobile one (a forklift), and where what it
    /// reads is.
    public static let stockRFIDReader = ModelSpec(
        name: "stock.rfid.reader", label: "RFID Reader",
        fields: [
            .char("name", "Name", required: true),
            .char("code", "Reader Code", required: true, index: true),
            .selection("role", "Role", [
                SelectionOption("dock", "Dock door: pallets pass through"), SelectionOption("shelf", "Shelf: counts what is on it"),
                SelectionOption("forklift", "Forklift: reads shelf tags, pallets and items where it is"),
            ], required: true, default: .value("dock")),
            .many2one("location_id", "Location", to: "stock.location", required: true, onDelete: .restrict),
            .integer("dedup_seconds", "Deduplication Window (s)", default: .value(30)),
            .many2one("company_id", "Company", to: "res.company", onDelete: .restrict, default: .compute { .int($0.companyId) }),
            .boolean("active", "Active", default: .value(.true)),
        ],
        order: "code", companyScoped: true)

    /// A tag seen by a reader: repeated reads within the reader's window are one sighting.
    /// Unknown tags are kept, with the reason.
    public static let stockRFIDSighting = ModelSpec(
        name: "stock.rfid.sighting", label: "RFID Sighting",
        fields: [
            .many2one("reader_id", "Reader", to: "stock.rfid.reader", required: true, onDelete: .cascade),
            .integer("antenna", "Antenna"),
            .char("epc", "EPC (hex)", required: true),
            .char("uri", "Pure Identity URI"),
            .char("scheme", "Scheme"),
            .float("rssi", "RSSI (dBm)"),
            .datetime("first_seen", "First Seen", required: true),
            .datetime("last_seen", "Last Seen", required: true),
            .integer("reads", "Reads", default: .value(1)),
            .selection("status", "Status", [SelectionOption("known", "Known"), SelectionOption("unknown", "Unknown")], default: .value("known")),
            .char("reason", "Why Unknown"),
            .many2one("company_id", "Company", to: "res.company", onDelete: .restrict, default: .compute { .int($0.companyId) }),
        ],
        order: "last_seen desc, id desc", recName: "epc", companyScoped: true)

    /// A returnable asset (a GRAI-tagged pallet or crate) and where it was last seen.
    public static let stockRFIDAsset = ModelSpec(
        name: "stock.rfid.asset", label: "Returnable Asset",
        fields: [
            .char("uri", "Pure Identity URI", required: true),
            .char("epc", "EPC (hex)", required: true),
            .many2one("location_id", "Last Location", to: "stock.location"),
            .many2one("reader_id", "Last Reader", to: "stock.rfid.reader"),
            .datetime("last_seen", "Last Seen"),
            .many2one("company_id", "Company", to: "res.company", onDelete: .restrict, default: .compute { .int($0.companyId) }),
        ],
        order: "uri", recName: "uri", companyScoped: true)
}
