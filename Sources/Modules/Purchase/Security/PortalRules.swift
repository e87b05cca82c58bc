import Base
import ChainstoreCore

/// What a supplier's portal users (`base.group_portal`) see: the purchase orders sent to their
/// own commercial entity once confirmed (not requests for quotation being prepared, not another
/// supplier's), their lines, and their own shipping notices — as Odoo's portal rule
/// `partner_id child_of user.commercial_partner_id`. Group rules apply to the group's members
/// only, so the group's staff keep the company rules alone.
public enum PortalRules {
    static let all: [RecordRule] = [orders, orderLines, notices, pallets, contents]

    static let portal = [Base.Group.portal]

    /// The caller's supplier (its commercial entity and the contacts under it), or nothing at all
    /// for a portal user without a partner.
    public static func supplier(_ env: Env, _ path: String) -> Domain {
        guard let partner = env.commercialPartnerId else { return .none }
        return .leaf(path, .childOf, .array([.int(partner)]))
    }

    static let confirmed: Value = .array([.string(PurchaseState.purchase.rawValue), .string(PurchaseState.done.rawValue)])

    static let orders = RecordRule("purchase.order: the portal user's supplier", model: "purchase.order", groups: portal, operations: [.read]) { env in
        .and([supplier(env, "partner_id"), .leaf("state", .in, confirmed)])
    }

    static let orderLines = RecordRule(
        "purchase.order.line: the portal user's supplier", model: "purchase.order.line", groups: portal, operations: [.read]
    ) { env in
        .and([supplier(env, "order_id.partner_id"), .leaf("order_id.state", .in, confirmed)])
    }

    static let notices = RecordRule("purchase.asn: the portal user's supplier", model: "purchase.asn", groups: portal, operations: [.read]) { env in
        supplier(env, "partner_id")
    }

    static let pallets = RecordRule(
        "purchase.asn.package: the portal user's supplier", model: "purchase.asn.package", groups: portal, operations: [.read]
    ) { env in
        supplier(env, "asn_id.partner_id")
    }

    static let contents = RecordRule(
        "purchase.asn.line: the portal user's supplier", model: "purchase.asn.line", groups: portal, operations: [.read]
    ) { env in
        supplier(env, "asn_id.partner_id")
    }
}
