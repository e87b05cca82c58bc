import ChainstoreCore
import ChainstoreDB
import Foundation

/// Point of sale: tills, their sessions, orders and payments, with Odoo 17's names.
public enum PointOfSale {
    public static let manifest = ModuleManifest(
        name: "point_of_sale", depends: ["base", "product", "stock", "payment"],
        models: [.posPaymentMethod, .posConfig, .posSession, .posOrder, .posOrderLine, .posPayment, .posOrderConflict, .posCashMove, .posDailySettlement,
                 .posAttendantApproval],
        extending: [ModelExtension(model: "product.category", fields: [.boolean("pos_age_check", "Age Check at the Till")])],
        migrations: [.createPOS, .orderKeys, .fillOnlyFromParents, .saleRules, .codePayments, .dailySettlement, .businessDay, .ageCheck, .displayMessages, .remoteDisplay,
                     .attendantApprovals, .monthlyOrders],
        methods: PosSessions.methods + PosIngest.methods + PosClosing.methods + DailySettlements.methods,
        hooks: PosTills.hooks + PosSessions.hooks,
        endpoints: TillAPI.endpoints + SalesReportAPI.endpoints,
        web: WebAssets(folder: Bundle.module.url(forResource: "Web", withExtension: nil)!, pages: [
            .init("/pos", file: "pos.html"), .init("/pos/kiosk", file: "pos.html"), .init("/pos/display", file: "display.html"),
            // The till's service worker, at a route whose scope covers /pos, /pos/kiosk and /pos/display.
            .init("/pos-sw.js", file: "sw.js"),
        ]),
        views: views, menus: menus, dashboard: dashboard,
        demo: { database, registry, logger in try await PosDemo.prepare(database, registry: registry, logger: logger) })
}
