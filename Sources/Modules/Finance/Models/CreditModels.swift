import ChainstoreCore

extension ModelSpec {
    /// A borrower's umbrella limit with one lender, and the contract terms every loan under it
    /// follows: loan-to-value lines, rate and day count, penalty markups, repayment order, the
    /// price list collateral is marked to, the registration at the movable-collateral registry.
    public static let financeCreditLine = ModelSpec(
        name: "finance.credit.line", label: "Credit Line",
        fields: [
            .char("name", "Reference", required: true),
            .many2one("borrower_id", "Borrower", to: "res.partner", onDelete: .restrict),
            .many2one("borrower_company_id", "Borrower Company", to: "res.company", onDelete: .restrict),
            .many2one("lender_id", "Lender", to: "res.partner", required: true, onDelete: .restrict),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict, default: .compute { .int($0.companyId) }),
            .many2one("currency_id", "Currency", to: "res.currency", onDelete: .restrict),
            .money("limit_amount", "Limit", required: true),
            .kept("exposure", "Exposure"),
            .derived("available_amount", "Available"),
            .date("start_date", "Start"),
            .date("end_date", "End"),
            .selection("product_type", "Product", [
                SelectionOption("inventory_pledge", "Inventory Pledge"), SelectionOption("floating_charge", "Floating Charge"),
                SelectionOption("warehouse_receipt", "Warehouse Receipt"), SelectionOption("receivable", "Receivable Financing"),
            ], required: true, default: .value("inventory_pledge")),
            .ratio("max_ltv", "Opening Line (LTV)", default: 0.6),
            .ratio("warning_ltv", "Warning Line"),
            .ratio("call_ltv", "Call Line"),
            .ratio("liquidation_ltv", "Liquidation Line"),
            .integer("call_days", "Margin Call Days", default: .value(5)),
            .integer("near_expiry_days", "Near Expiry (days)", default: .value(30)),
            .ratio("advance_rate", "Advance Rate", default: 0.8),
            .selection("day_count", "Day Count", [SelectionOption("act_360", "ACT/360"), SelectionOption("act_365", "ACT/365")], required: true,
                       default: .value("act_360")),
            .selection("rate_type", "Rate Type", [SelectionOption("fixed", "Fixed"), SelectionOption("lpr_spread", "LPR + Spread")], required: true,
                       default: .value("fixed")),
            .decimal("rate", "Annual Rate", precision: 10, scale: 6),
            .integer("spread_bp", "Spread (bp)"),
            .ratio("overdue_markup", "Overdue Markup", default: 0.5),
            .ratio("misuse_markup", "Misuse Markup", default: 1.0),
            .selection("repayment_order", "Repayment Order", [
                SelectionOption("costs_first", "Costs, Interest, Principal"), SelectionOption("principal_first", "Principal First"),
            ], required: true, default: .value("costs_first")),
            .many2one("market_pricelist_id", "Market Price List", to: "product.pricelist", onDelete: .restrict),
            .char("registration_no", "Registration No."),
            .date("registration_expiry", "Registration Expiry"),
            .states([("draft", "Draft"), ("submitted", "Submitted"), ("approved", "Approved"), ("active", "Active"), ("suspended", "Suspended"),
                     ("expired", "Expired"), ("closed", "Closed"), ("cancelled", "Cancelled")], default: "draft"),
            .one2many("loan_ids", "Loans", to: "finance.loan", inverse: "credit_line_id"),
        ],
        order: "id desc", companyScoped: true, auditedInDatabase: true, readableByCompanies: borrowerReads)

    /// A drawdown under a credit line and what is owed on it: principal, interest and penalty
    /// accrued daily (kept to eight decimals until posted), fees; the exposure is their sum.
    public static let financeLoan = ModelSpec(
        name: "finance.loan", label: "Loan",
        fields: [
            .char("name", "Reference", readonly: true),
            .many2one("credit_line_id", "Credit Line", to: "finance.credit.line", required: true, onDelete: .restrict),
            .many2one("borrower_id", "Borrower", to: "res.partner", readonly: true, onDelete: .restrict),
            .company("borrower_company_id", "Borrower Company"),
            .many2one("lender_id", "Lender", to: "res.partner", readonly: true, onDelete: .restrict),
            .many2one("company_id", "Company", to: "res.company", readonly: true, onDelete: .restrict),
            .date("drawdown_date", "Drawdown Date"),
            .date("maturity_date", "Maturity Date", required: true),
            .money("principal_amount", "Principal", required: true),
            .kept("principal_outstanding", "Principal Outstanding"),
            .kept("interest_accrued", "Interest Accrued", scale: 8),
            .kept("interest_paid", "Interest Paid"),
            .kept("interest_posted", "Interest Posted"),
            .kept("penalty_accrued", "Penalty Interest Accrued", scale: 8),
            .kept("penalty_paid", "Penalty Interest Paid"),
            .kept("fees_outstanding", "Fees Outstanding"),
            .derived("exposure", "Exposure"),
            .date("accrued_through", "Accrued Through"),
            .char("purpose", "Purpose"),
            FieldSpec("misuse", "Funds Misused", kind: .boolean, readonly: true),
            .many2one("pledge_id", "Pledge", to: "finance.pledge", onDelete: .restrict),
            .one2many("receivable_ids", "Receivables", to: "finance.receivable", inverse: "loan_id"),
            .one2many("repayment_ids", "Repayments", to: "finance.repayment", inverse: "loan_id"),
            .char("idempotency_key", "Idempotency Key", readonly: true),
            .states([("draft", "Draft"), ("approved", "Approved"), ("disbursed", "Disbursed"), ("overdue", "Overdue"), ("repaid", "Repaid"),
                     ("in_enforcement", "In Enforcement"), ("written_off", "Written Off"), ("cancelled", "Cancelled")], default: "draft"),
        ],
        order: "id desc", companyScoped: true, auditedInDatabase: true, readableByCompanies: borrowerReads)

    /// One day's interest (or penalty, or compound interest) on one loan.
    public static let financeLoanAccrual = ModelSpec(
        name: "finance.loan.accrual", label: "Loan Accrual",
        fields: [
            .many2one("loan_id", "Loan", to: "finance.loan", readonly: true, onDelete: .cascade),
            .company("company_id", "Company"),
            .company("borrower_company_id", "Borrower Company"),
            .date("date", "Date"),
            .selection("kind", "Kind", [SelectionOption("interest", "Interest"), SelectionOption("penalty", "Penalty Interest"),
                                        SelectionOption("compound", "Compound Interest")]),
            .kept("principal_base", "Base"),
            FieldSpec("rate", "Annual Rate", kind: .decimal(precision: 12, scale: 8), readonly: true),
            FieldSpec("basis", "Day Basis", kind: .integer, readonly: true),
            .kept("amount", "Amount", scale: 8),
        ],
        order: "date desc, id desc", recName: "loan_id", companyScoped: true, readableByCompanies: borrowerReads)

    /// A payment on a loan, allocated across its buckets by the contract's order.
    public static let financeRepayment = ModelSpec(
        name: "finance.repayment", label: "Repayment",
        fields: [
            .char("name", "Reference", readonly: true),
            .many2one("loan_id", "Loan", to: "finance.loan", readonly: true, onDelete: .restrict),
            .company("company_id", "Company"),
            .company("borrower_company_id", "Borrower Company"),
            .date("date", "Date"),
            .kept("amount", "Amount"),
            .kept("fees_paid", "Fees"),
            .kept("penalty_paid", "Penalty Interest"),
            .kept("interest_paid", "Interest"),
            .kept("principal_paid", "Principal"),
            FieldSpec("allocation", "Allocation", kind: .text, readonly: true),
            .char("payment_ref", "Payment Reference", readonly: true),
            .char("idempotency_key", "Idempotency Key", readonly: true),
        ],
        order: "date desc, id desc", companyScoped: true, readableByCompanies: borrowerReads)

    /// Balanced accounting lines for the lender's and the borrower's books, exported to the
    /// group's accounting system.
    public static let financeEntry = ModelSpec(
        name: "finance.entry", label: "Finance Journal Item",
        fields: [
            .char("move", "Entry", readonly: true),
            .selection("book", "Book", [SelectionOption("lender", "Lender"), SelectionOption("borrower", "Borrower")]),
            .company("company_id", "Company"),
            .company("borrower_company_id", "Borrower Company"),
            .many2one("partner_id", "Partner", to: "res.partner", readonly: true, onDelete: .restrict),
            .many2one("loan_id", "Loan", to: "finance.loan", readonly: true, onDelete: .restrict),
            .selection("event", "Event", [SelectionOption("disbursement", "Disbursement"), SelectionOption("accrual", "Interest Posting"),
                                          SelectionOption("repayment", "Repayment"), SelectionOption("fee", "Fee"),
                                          SelectionOption("write_off", "Write-off")]),
            .date("date", "Date"),
            .char("account", "Account", readonly: true),
            .kept("debit", "Debit"),
            .kept("credit", "Credit"),
            FieldSpec("tx", "Transaction", kind: .integer, readonly: true, audited: false),
        ],
        order: "id desc", recName: "move", companyScoped: true)
}
