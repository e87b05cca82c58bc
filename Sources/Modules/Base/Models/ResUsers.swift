import ChainstoreCore

extension ModelSpec {
    /// Users log in with `login`; their password and API keys live in columns and tables that the
    /// generic path never exposes. `company_ids` are the roots of the companies they may see.
    public static let resUsers = ModelSpec(
        name: "res.users", label: "User",
        fields: [
            .char("name", "Name", required: true),
            .char("login", "Login", required: true, index: true),
            .many2one("partner_id", "Related Partner", to: "res.partner", onDelete: .restrict),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict,
                default: .compute { .int($0.companyId) }),
            // Whoever grants companies can only grant ones inside their own reach.
            .many2many("company_ids", "Companies", to: "res.company",
                relation: "res_company_users_rel", column1: "user_id", column2: "cid",
                linkDomain: { env in .leaf("id", .childOf, .array(env.allowedCompanyIds.map(Value.int))) }),
            .many2many("groups_id", "Groups", to: "res.groups",
                relation: "res_groups_users_rel", column1: "uid", column2: "gid"),
            .char("email", "Email"),
            .char("lang", "Language", default: .value("en_US")),
            .char("tz", "Timezone", default: .value("Asia/Shanghai")),
            .boolean("share", "Share User"),
            .datetime("login_date", "Latest Login", readonly: true),
            .boolean("active", "Active", default: .value(.true)),
            // Odoo's auth_totp name; the secret itself is never readable.
            FieldSpec("totp_enabled", "Two-factor Authentication", kind: .boolean, readonly: true).computed(sql: "($t.totp_secret IS NOT NULL)"),
        ],
        order: "name, login", companyScoped: true)

    public static let resGroups = ModelSpec(
        name: "res.groups", label: "Access Groups",
        fields: [
            .char("name", "Name", required: true),
            .char("xmlid", "External ID", required: true),
            .text("comment", "Comment"),
            .many2many("users", "Users", to: "res.users", relation: "res_groups_users_rel", column1: "gid", column2: "uid"),
            .boolean("totp_required", "Two-factor Sign-in Required"),
        ],
        order: "name")

    public static let irModelAccess = ModelSpec(
        name: "ir.model.access", label: "Access Rights",
        fields: [
            .char("name", "Name", required: true),
            .char("model", "Model", required: true, index: true),
            .many2one("group_id", "Group", to: "res.groups", onDelete: .cascade),
            .boolean("perm_read", "Read Access"),
            .boolean("perm_write", "Write Access"),
            .boolean("perm_create", "Create Access"),
            .boolean("perm_unlink", "Delete Access"),
            .boolean("active", "Active", default: .value(.true)),
        ],
        order: "model, group_id")
}
