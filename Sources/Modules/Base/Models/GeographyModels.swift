import ChainstoreCore

extension ModelSpec {
    /// Currencies (ISO 4217) with Odoo 17's fields; only the group's, CNY, is active at first.
    public static let resCurrency = ModelSpec(
        name: "res.currency", label: "Currency",
        fields: [
            .char("name", "Currency", required: true),
            .char("full_name", "Name"),
            .char("symbol", "Symbol", required: true, default: .value("")),
            .integer("iso_numeric", "Currency numeric code"),
            .decimal("rounding", "Rounding Factor", precision: 12, scale: 6, default: .value(.double(0.01))),
            .integer("decimal_places", "Decimal Places", default: .value(2)),
            .selection("position", "Symbol Position", [SelectionOption("after", "After Amount"), SelectionOption("before", "Before Amount")],
                       default: .value("before")),
            .char("currency_unit_label", "Currency Unit"),
            .char("currency_subunit_label", "Currency Subunit"),
            .boolean("active", "Active", default: .value(.true)),
        ],
        order: "active desc, name", recName: "name")

    /// Countries (ISO 3166-1 alpha-2 codes, as Odoo), with their states.
    public static let resCountry = ModelSpec(
        name: "res.country", label: "Country",
        fields: [
            .char("name", "Country Name", required: true),
            .char("code", "Country Code", size: 2, required: true),
            .integer("phone_code", "Country Calling Code"),
            .many2one("currency_id", "Currency", to: "res.currency"),
            .text("address_format", "Layout in Reports"),
            .selection("name_position", "Customer Name Position", [
                SelectionOption("before", "Before Address"), SelectionOption("after", "After Address"),
            ], default: .value("before")),
            .char("vat_label", "Vat Label"),
            .boolean("zip_required", "Zip Required", default: .value(.true)),
            .boolean("state_required", "State Required", default: .value(.false)),
            .one2many("state_ids", "States", to: "res.country.state", inverse: "country_id"),
        ],
        order: "name, id")

    /// A country's subdivisions (China's provinces, municipalities and regions, coded as Odoo).
    public static let resCountryState = ModelSpec(
        name: "res.country.state", label: "Country state",
        fields: [
            .many2one("country_id", "Country", to: "res.country", required: true, onDelete: .restrict),
            .char("name", "State Name", required: true),
            .char("code", "State Code", required: true),
        ],
        order: "country_id, code, id",
        displayNameSQL: "$t.name || ' (' || (SELECT c.code FROM res_country c WHERE c.id = $t.country_id) || ')'")
}
