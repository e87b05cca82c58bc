import ChainstoreDB

extension Base {
    /// Where the back office lists the organisation and the settings.
    static let menus: [MenuItem] = [
        MenuItem(.organisation, "res.company", "Companies"),
        MenuItem(.organisation, "res.partner", "Contacts"),
        MenuItem(.organisation, "res.partner.category", "Contact Tags"),
        MenuItem(.organisation, "res.partner.bank", "Bank Accounts"),
        MenuItem(.organisation, "res.bank", "Banks"),
        MenuItem(.settings, "res.users", "Users"),
        MenuItem(.settings, "res.groups", "Groups"),
        MenuItem(.settings, "ir.model.access", "Access Rights"),
        MenuItem(.settings, "ir.cron", "Scheduled Actions"),
        MenuItem(.settings, "ir.cron.run", "Scheduled Action Runs"),
        MenuItem(.settings, "chainstore.alert", "Alerts"),
        MenuItem(.settings, "chainstore.alert.rule", "Alert Rules"),
        MenuItem(.settings, "res.currency", "Currencies"),
        MenuItem(.settings, "res.country", "Countries"),
        MenuItem(.settings, "res.country.state", "Provinces and States"),
        MenuItem(.settings, "ir.model", "Models"),
        MenuItem(.settings, "ir.model.fields", "Fields"),
        MenuItem(.settings, "ir.model.data", "External Identifiers"),
    ]

    static let views: [ViewSpec] = [
        ViewSpec(model: "chainstore.alert", kind: .list, fields: ["rule_id", "state", "value", "threshold", "fired_at", "last_seen", "resolved_at"]),
        ViewSpec(model: "chainstore.alert.rule", kind: .list, fields: ["name", "kind", "threshold", "active"]),
        ViewSpec(model: "res.company", kind: .list, fields: ["name", "code", "company_kind", "parent_id", "city", "currency_id"]),
        ViewSpec(model: "res.partner", kind: .list, fields: ["display_name", "phone", "email", "city", "country_id", "company_id"]),
        ViewSpec(model: "res.partner", kind: .search, fields: ["name", "email", "ref", "phone", "vat"]),
        ViewSpec(model: "res.partner", kind: .kanban, fields: ["name", "function", "phone", "email", "city", "company_id"]),
        ViewSpec(model: "res.users", kind: .list, fields: ["name", "login", "lang", "company_id", "login_date"]),
        ViewSpec(model: "ir.cron", kind: .form, fields: ["name", "code", "interval_number", "interval_type", "nextcall", "lastcall", "active"],
                 buttons: [ViewButton("method_direct_trigger", "Run Manually")]),
    ]
}
