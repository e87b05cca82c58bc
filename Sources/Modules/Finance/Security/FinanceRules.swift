import Base
import ChainstoreCore
import Purchase

/// A supplier's portal users see their own credit lines, loans, repayments and receivables (the
/// supplier borrows as itself, not as a company of the group) — nobody else's: the purchase
/// portal's rule, the records' borrower or supplier within the caller's commercial entity.
enum FinanceRules {
    static let all: [RecordRule] = [lines, loans, repayments, receivables]

    static let portal = [Base.Group.portal]

    static let lines = RecordRule("finance.credit.line: the portal user's own", model: "finance.credit.line", groups: portal, operations: [.read]) { env in
        PortalRules.supplier(env, "borrower_id")
    }
    static let loans = RecordRule("finance.loan: the portal user's own", model: "finance.loan", groups: portal, operations: [.read]) { env in
        PortalRules.supplier(env, "borrower_id")
    }
    static let repayments = RecordRule("finance.repayment: the portal user's own", model: "finance.repayment", groups: portal, operations: [.read]) { env in
        PortalRules.supplier(env, "loan_id.borrower_id")
    }
    static let receivables = RecordRule("finance.receivable: the portal user's own", model: "finance.receivable", groups: portal, operations: [.read]) { env in
        PortalRules.supplier(env, "supplier_id")
    }
}
