import ChainstoreCore
import ChainstoreDB
import Foundation

/// The base module: companies and their hierarchy, partners, users, groups, access rights,
/// sign-in (`BaseIdentity`); the audit trail's sealing and the partitions' upkeep in every
/// tenant; what every browser app shares (styles, sign-in, messages).
public enum Base {
    public static let manifest = ModuleManifest(
        name: "base",
        models: [
            .resCompany, .resPartner, .resPartnerCategory, .resBank, .resPartnerBank, .resUsers, .resGroups, .irModelAccess,
            .irModel, .irModelFields, .irModelData, .resCurrency, .resCountry, .resCountryState, .irCron, .irCronRun,
            .chainstoreAlertRule, .chainstoreAlert,
        ],
        migrations: [
            .createBaseTables, .createAuthTables, .seedBaseData, .createWebSessions, .createModelCatalog, .addDeclaredIndexes,
            .organisation, .publishedPasswords, .baseOrderIndexes, .geography, .userPartners, .scheduler, .companyPathCover, .portalGroup,
            .twoFactorAndSessions, .passwordHistory, .alerts, .partnerCompleteName, .companyBranch,
        ],
        rules: BaseRules.all,
        methods: methods,
        hooks: UserPartners.hooks,
        endpoints: BusAPI.endpoints + (WebClientAPI.endpoints + SecurityAPI.endpoints + DashboardAPI.endpoints).map { $0.backOffice() },
        web: WebAssets(folder: Bundle.module.url(forResource: "Web", withExtension: nil)!, pages: [.init("/web", file: "webclient.html", backOffice: true)],
                       system: ["vendor/chart.min.js": "/usr/share/javascript/chart.js/chart.min.js"]),
        jobs: [
            // Writers only insert audit rows; the sealer chains them shortly after (see AuditChain).
            // A run ends once it has caught up (a block not full) or sealed 20 blocks, so rows
            // that keep coming under steady writes never keep one run going: the next second's
            // run takes them.
            Job("base.audit_seal", every: .seconds(1)) { job in
                for _ in 0..<20 {
                    if try await AuditChain.sealPending(job.database, logger: job.logger) < AuditChain.block { break }
                }
            },
            // Monthly partitions of time-partitioned tables, created three months ahead.
            Job("base.partitions", every: .seconds(3600)) { job in
                try await Partitions.ensure(job.database, logger: job.logger)
            },
            // Bus notifications are kept a day: a client away longer reloads (`bus/resync`).
            Job("base.bus_purge", every: .seconds(3600)) { job in
                try await Bus.purge(job.database, logger: job.logger)
            },
            Alerts.job,
        ],
        alerts: Alerts.probes,
        channels: [Alerts.busChannel],
        views: views, menus: menus,
        demo: { database, registry, logger in try await Demo.prepare(database, registry: registry, logger: logger) },
        referenceData: { tx, logger in try await Geography.load(tx, logger: logger) })

    /// Group xml ids the core knows by name.
    public enum Group {
        public static let user = "base.group_user"
        public static let system = "base.group_system"
        public static let portal = "base.group_portal"
    }
}
