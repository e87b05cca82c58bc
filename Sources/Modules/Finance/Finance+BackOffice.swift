import ChainstoreCore
import ChainstoreDB

extension Finance {
    static let menus: [MenuItem] = [
        MenuItem(.finance, "finance.credit.line", "Credit Lines"),
        MenuItem(.finance, "finance.loan", "Loans"),
        MenuItem(.finance, "finance.pledge", "Pledges"),
        MenuItem(.finance, "finance.margin.call", "Margin Calls"),
        MenuItem(.finance, "finance.release", "Releases"),
        MenuItem(.finance, "finance.receivable", "Receivables"),
        MenuItem(.finance, "finance.collateral.alert", "Collateral Alerts"),
        MenuItem(.finance, "finance.repayment", "Repayments"),
        MenuItem(.finance, "finance.valuation", "Valuations"),
        MenuItem(.finance, "finance.entry", "Journal Items"),
    ]

    static let views: [ViewSpec] = [
        ViewSpec(model: "finance.credit.line", kind: .list, fields: [
            "name", "borrower_id", "lender_id", "product_type", "limit_amount", "exposure", "available_amount", "end_date", "state",
        ]),
        ViewSpec(model: "finance.credit.line", kind: .search, fields: ["name", "borrower_id", "lender_id", "state"]),
        ViewSpec(model: "finance.credit.line", kind: .form, fields: [
            "name", "borrower_id", "lender_id", "company_id", "product_type", "limit_amount", "exposure", "available_amount", "start_date", "end_date",
            "max_ltv", "warning_ltv", "call_ltv", "liquidation_ltv", "call_days", "rate_type", "rate", "spread_bp", "day_count", "overdue_markup",
            "misuse_markup", "repayment_order", "market_pricelist_id", "registration_no", "registration_expiry", "state",
        ], buttons: [
            ViewButton("action_submit", "Submit", states: ["draft"], primary: true), ViewButton("action_approve", "Approve", states: ["submitted"], primary: true),
            ViewButton("action_activate", "Activate", states: ["approved", "suspended"], primary: true),
            ViewButton("action_suspend", "Suspend", states: ["active"]), ViewButton("action_close", "Close", states: ["active", "suspended", "expired"]),
            ViewButton("action_cancel", "Cancel", states: ["draft", "submitted"]),
        ]),
        ViewSpec(model: "finance.loan", kind: .list, fields: [
            "name", "borrower_id", "credit_line_id", "drawdown_date", "maturity_date", "principal_outstanding", "exposure", "state",
        ]),
        ViewSpec(model: "finance.loan", kind: .search, fields: ["name", "borrower_id", "credit_line_id", "state"]),
        ViewSpec(model: "finance.loan", kind: .form, fields: [
            "name", "credit_line_id", "borrower_id", "lender_id", "pledge_id", "drawdown_date", "maturity_date", "principal_amount",
            "principal_outstanding", "interest_accrued", "interest_paid", "penalty_accrued", "penalty_paid", "fees_outstanding", "exposure",
            "accrued_through", "purpose", "state",
        ], buttons: [
            ViewButton("action_approve", "Approve", states: ["draft"], primary: true), ViewButton("action_disburse", "Disburse", states: ["approved"], primary: true),
            ViewButton("action_cancel", "Cancel", states: ["draft", "approved"]),
        ]),
        ViewSpec(model: "finance.pledge", kind: .list, fields: [
            "name", "kind", "pledgor_id", "supervisor_company_id", "collateral_value", "exposure", "ltv", "last_valued_at", "state",
        ]),
        ViewSpec(model: "finance.pledge", kind: .search, fields: ["name", "pledgor_id", "receipt_no", "state"]),
        ViewSpec(model: "finance.pledge", kind: .form, fields: [
            "name", "credit_line_id", "kind", "pledgor_id", "supervisor_id", "supervisor_company_id", "warehouse_id", "location_id", "receipt_no",
            "registration_no", "registry_search_ref", "goods_value", "margin_cash", "collateral_value", "exposure", "ltv", "last_valued_at", "state",
            "line_ids",
        ], buttons: [
            ViewButton("action_activate", "Activate", states: ["goods_in", "registered"], primary: true),
            ViewButton("action_revalue", "Value Now", states: ["goods_in", "active", "called", "in_enforcement"]),
            ViewButton("action_release", "Release Pledge", states: ["active", "called"]),
            ViewButton("action_cancel", "Cancel", states: ["draft", "registered"]),
        ]),
        ViewSpec(model: "finance.margin.call", kind: .list, fields: ["pledge_id", "opened_at", "ltv_at_open", "required_value", "deadline", "cure_kind", "state"]),
        ViewSpec(model: "finance.release", kind: .list, fields: ["name", "pledge_id", "release_value", "approved_by", "scanned_by", "picking_id", "state"]),
        ViewSpec(model: "finance.release", kind: .form, fields: [
            "name", "pledge_id", "repayment_id", "release_value", "approved_by", "approved_at", "scanned_by", "picked_at", "picking_id", "state", "line_ids",
        ], buttons: [
            ViewButton("action_approve", "Approve", states: ["requested"], primary: true), ViewButton("action_scan", "Scan Out", states: ["approved"], primary: true),
            ViewButton("action_reject", "Reject", states: ["requested", "approved"]),
        ]),
        ViewSpec(model: "finance.receivable", kind: .list, fields: ["name", "supplier_id", "debtor_company_id", "face_amount", "due_date", "loan_id", "state"]),
        ViewSpec(model: "finance.receivable", kind: .form, fields: [
            "name", "supplier_id", "debtor_company_id", "purchase_order_id", "receipt_picking_id", "bill_ref", "face_amount", "due_date", "confirmed_at",
            "confirmed_by", "assigned_to_id", "loan_id", "advance_amount", "registration_no", "state",
        ], buttons: [
            ViewButton("action_confirm", "Confirm", states: ["draft"], primary: true), ViewButton("action_dispute", "Dispute", states: ["confirmed"]),
            ViewButton("action_resolve", "Resolve", states: ["disputed"]), ViewButton("action_settle", "Settled", states: ["assigned"]),
            ViewButton("action_cancel", "Cancel", states: ["draft", "disputed"]),
        ]),
        ViewSpec(model: "finance.collateral.alert", kind: .list, fields: ["create_date", "pledge_id", "source", "reader_id", "package_id", "state"]),
        ViewSpec(model: "finance.repayment", kind: .list, fields: ["name", "loan_id", "date", "amount", "fees_paid", "penalty_paid", "interest_paid", "principal_paid"]),
        ViewSpec(model: "finance.valuation", kind: .list, fields: ["pledge_id", "valued_at", "goods_value", "collateral_value", "exposure", "ltv", "trigger"]),
        ViewSpec(model: "finance.entry", kind: .list, fields: ["date", "move", "book", "company_id", "account", "debit", "credit", "event"]),
    ]

    /// Margin calls open and pledges past their warning line, by borrower's city.
    static let dashboard: [DashboardCard] = [
        DashboardCard("finance.margin_calls", "Margin calls open", model: "finance.margin.call",
                      domain: { _ in .leaf("state", .equal, .string("open")) }, groupby: "borrower_company_id", chart: .bar, limit: 10, rollUp: .city),
        DashboardCard("finance.exposure", "Loan exposure", model: "finance.loan",
                      domain: { _ in .leaf("state", .in, .array([.string("disbursed"), .string("overdue"), .string("in_enforcement")])) },
                      groupby: "borrower_company_id", measure: "exposure", chart: .bar, limit: 10, rollUp: .city),
    ]
}
