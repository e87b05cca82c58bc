import ChainstoreCore
import ChainstoreDB
import Foundation

extension PointOfSale {
    /// Where the back office lists the point of sale.
    static let menus: [MenuItem] = [
        MenuItem(.pointOfSale, "pos.order", "Orders"),
        MenuItem(.pointOfSale, "pos.session", "Sessions"),
        MenuItem(.pointOfSale, "pos.daily.settlement", "Daily Settlements"),
        MenuItem(.pointOfSale, "pos.payment", "Payments"),
        MenuItem(.pointOfSale, "pos.cash.move", "Cash In and Out"),
        MenuItem(.pointOfSale, "pos.order.conflict", "Orders Kept for Review"),
        MenuItem(.pointOfSale, "pos.attendant.approval", "Attendant Approvals"),
        MenuItem(.pointOfSale, "pos.config", "Tills"),
        MenuItem(.pointOfSale, "pos.payment.method", "Payment Methods"),
    ]

    static let views: [ViewSpec] = [
        ViewSpec(model: "pos.order", kind: .list, fields: ["name", "pos_reference", "session_id", "date_order", "partner_id", "amount_total", "state"]),
        ViewSpec(model: "pos.order.line", kind: .list, fields: ["product_id", "qty", "price_unit", "discount", "price_subtotal_incl"]),
        ViewSpec(model: "pos.session", kind: .list, fields: ["name", "config_id", "user_id", "start_at", "stop_at", "state"]),
    ]

    /// Sales on the dashboard: by day, by city (by store for a city), the best-selling products.
    static let dashboard: [DashboardCard] = [
        DashboardCard("pos.sales_by_day", "Sales of the last 14 days", model: "pos.order",
                      domain: { .leaf("date_order", .greaterOrEqual, DashboardCard.since(days: 14, before: $0)) },
                      groupby: "date_order:day", measure: "amount_total:sum", chart: .line),
        DashboardCard("pos.sales_by_city", "Sales by city, last 30 days", model: "pos.order",
                      domain: { .leaf("date_order", .greaterOrEqual, DashboardCard.since(days: 30, before: $0)) },
                      groupby: "company_id", measure: "amount_total:sum", chart: .bar, limit: 10, rollUp: .city),
        DashboardCard("pos.top_products", "Top products, last 30 days", model: "pos.order.line",
                      domain: { .leaf("create_date", .greaterOrEqual, DashboardCard.since(days: 30, before: $0)) },
                      groupby: "product_id", measure: "price_subtotal_incl:sum", chart: .bar, limit: 10),
    ]
}
