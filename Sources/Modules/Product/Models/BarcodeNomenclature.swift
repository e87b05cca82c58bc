import Barcode
import ChainstoreCore

extension ModelSpec {
    /// How in-store codes are read (Odoo's barcode nomenclature). A nomenclature belongs to a
    /// company and applies to every company under it; the nearest one wins, so a city whose
    /// scales print another layout gets its own.
    public static let barcodeNomenclature = ModelSpec(
        name: "barcode.nomenclature", label: "Barcode Nomenclature",
        fields: [
            .char("name", "Barcode Nomenclature", required: true),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict,
                default: .compute { .int($0.companyId) }),
            .one2many("rule_ids", "Rules", to: "barcode.rule", inverse: "barcode_nomenclature_id"),
        ],
        order: "id", companyScoped: true, sharedWithBranches: true)

    /// One rule: the first rule (by sequence) whose pattern matches a scan reads it.
    public static let barcodeRule = ModelSpec(
        name: "barcode.rule", label: "Barcode Rule",
        fields: [
            .char("name", "Rule Name", required: true),
            .many2one("barcode_nomenclature_id", "Barcode Nomenclature", to: "barcode.nomenclature", required: true, onDelete: .cascade),
            .integer("sequence", "Sequence", default: .value(90)),
            .selection("type", "Type", [
                SelectionOption("product", "Unit Product"), SelectionOption("weight", "Weighted Product"),
                SelectionOption("price", "Priced Product"), SelectionOption("discount", "Discounted Product"),
            ], required: true, default: .value("product")),
            .selection("encoding", "Encoding", [
                SelectionOption("any", "Any"), SelectionOption("ean13", "EAN-13"), SelectionOption("upca", "UPC-A"),
            ], required: true, default: .value("ean13")),
            .char("pattern", "Barcode Pattern", required: true, default: .value(".*")).checked(Catalogue.checkPattern),
        ],
        order: "sequence, id")
}
