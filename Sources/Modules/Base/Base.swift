import ChainstoreCore

/// The base module: companies and their hierarchy, partners, users, groups, access rights.
public enum Base {
    public static let manifest = ModuleManifest(
        name: "base",
        models: [
            .resCompany, .resPartner, .resPartnerCategory, .resBank, .resPartnerBank, .resUsers, .resGroups, .irModelAccess,
            .irModel, .irModelFields, .irModelData,
        ],
        migrations: [
            .createBaseTables, .createAuthTables, .seedBaseData, .createWebSessions, .createModelCatalog, .addDeclaredIndexes,
            .organisation,
        ],
        rules: BaseRules.all)

    /// Group xml ids the core knows by name.
    public enum Group {
        public static let user = "base.group_user"
        public static let system = "base.group_system"
    }
}
