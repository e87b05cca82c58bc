import ChainstoreCore

extension ModelSpec {
    static let pledgeReads = ["borrower_company_id", "supervisor_company_id"]

    /// Collateral for a credit line: goods moved into a place the DC's supervisor controls for
    /// the lender (static, dynamic, under a warehouse receipt), or a floating charge over a
    /// store's stock. The register: one entry per receipt number, one open pledge per place.
    public static let financePledge = ModelSpec(
        name: "finance.pledge", label: "Pledge",
        fields: [
            .char("name", "Reference", readonly: true),
            .many2one("credit_line_id", "Credit Line", to: "finance.credit.line", required: true, onDelete: .restrict),
            .selection("kind", "Kind", [
                SelectionOption("static", "Static Pledge"), SelectionOption("dynamic", "Dynamic Pledge"),
                SelectionOption("floating_charge", "Floating Charge"), SelectionOption("warehouse_receipt", "Warehouse Receipt"),
            ], required: true, default: .value("static")),
            .many2one("pledgor_id", "Pledgor", to: "res.partner", onDelete: .restrict),
            .company("borrower_company_id", "Borrower Company"),
            .many2one("supervisor_id", "Supervisor", to: "res.partner", onDelete: .restrict),
            .many2one("supervisor_company_id", "Supervising Company", to: "res.company", onDelete: .restrict),
            .many2one("company_id", "Company", to: "res.company", readonly: true, onDelete: .restrict),
            .many2one("warehouse_id", "Warehouse", to: "stock.warehouse", onDelete: .restrict),
            .many2one("location_id", "Pledge Location", to: "stock.location", readonly: true, onDelete: .restrict),
            .kept("min_controlled_value", "Minimum Controlled Value"),
            .kept("margin_cash", "Cash Margin"),
            .kept("goods_value", "Goods Value"),
            .kept("collateral_value", "Collateral Value"),
            .kept("exposure", "Exposure"),
            FieldSpec("ltv", "Loan to Value", kind: .decimal(precision: 14, scale: 6), readonly: true),
            .datetime("last_valued_at", "Last Valued", readonly: true),
            .char("registration_no", "Registration No.", readonly: true),
            .char("registry_search_ref", "Registry Search", readonly: true),
            .char("receipt_no", "Warehouse Receipt No."),
            .states([("draft", "Draft"), ("registered", "Registered"), ("goods_in", "Goods In"), ("active", "Active"), ("called", "Margin Called"),
                     ("in_enforcement", "In Enforcement"), ("liquidated", "Liquidated"), ("released", "Released"), ("cancelled", "Cancelled")],
                    default: "draft"),
            .one2many("line_ids", "Goods", to: "finance.pledge.line", inverse: "pledge_id"),
            .one2many("valuation_ids", "Valuations", to: "finance.valuation", inverse: "pledge_id"),
        ],
        order: "id desc", companyScoped: true, auditedInDatabase: true, readableByCompanies: pledgeReads)

    /// A balance held under a pledge and what it is worth as collateral today.
    public static let financePledgeLine = ModelSpec(
        name: "finance.pledge.line", label: "Pledged Goods",
        fields: [
            .many2one("pledge_id", "Pledge", to: "finance.pledge", readonly: true, onDelete: .cascade),
            .company("company_id", "Company"),
            .many2one("product_id", "Product", to: "product.product", readonly: true, onDelete: .restrict),
            .many2one("lot_id", "Lot", to: "stock.lot", readonly: true, onDelete: .restrict),
            .many2one("package_id", "Package", to: "stock.quant.package", readonly: true),
            .many2one("quant_id", "Balance", to: "stock.quant", readonly: true),
            FieldSpec("quantity", "Quantity", kind: .decimal(precision: 16, scale: 3), readonly: true),
            FieldSpec("unit_cost", "Unit Cost", kind: .decimal(precision: 20, scale: 6), readonly: true),
            FieldSpec("unit_market", "Unit Market Price", kind: .decimal(precision: 20, scale: 6), readonly: true),
            FieldSpec("haircut", "Haircut", kind: .decimal(precision: 6, scale: 4), readonly: true),
            FieldSpec("eligible", "Eligible", kind: .boolean, readonly: true),
            .char("ineligible_reason", "Why Not Eligible", readonly: true),
            FieldSpec("damaged", "Damaged", kind: .boolean, readonly: true),
            .kept("value", "Collateral Value"),
            .states([("open", "Pledged"), ("released", "Released")], default: "open"),
        ],
        order: "pledge_id, id", recName: "product_id", companyScoped: true, readableByCompanies: ["pledge_id.borrower_company_id", "pledge_id.supervisor_company_id"])

    /// One recomputation of a pledge's value, never changed afterwards.
    public static let financeValuation = ModelSpec(
        name: "finance.valuation", label: "Collateral Valuation",
        fields: [
            .many2one("pledge_id", "Pledge", to: "finance.pledge", readonly: true, onDelete: .cascade),
            .company("company_id", "Company"),
            .company("borrower_company_id", "Borrower Company"),
            .company("supervisor_company_id", "Supervising Company"),
            .datetime("valued_at", "Valued At", readonly: true),
            .kept("goods_value", "Goods Value"),
            .kept("collateral_value", "Collateral Value"),
            .kept("exposure", "Exposure"),
            FieldSpec("ltv", "Loan to Value", kind: .decimal(precision: 14, scale: 6), readonly: true),
            FieldSpec("line_snapshot", "Lines", kind: .text, readonly: true),
            .char("trigger", "Trigger", readonly: true),
        ],
        order: "valued_at desc, id desc", recName: "pledge_id", companyScoped: true, readableByCompanies: pledgeReads)

    /// A demand for more collateral (goods or cash) after the call line was crossed; cured when
    /// the loan-to-value is back at the opening line.
    public static let financeMarginCall = ModelSpec(
        name: "finance.margin.call", label: "Margin Call",
        fields: [
            .many2one("pledge_id", "Pledge", to: "finance.pledge", readonly: true, onDelete: .cascade),
            .company("company_id", "Company"),
            .company("borrower_company_id", "Borrower Company"),
            .datetime("opened_at", "Opened", readonly: true),
            FieldSpec("ltv_at_open", "LTV When Opened", kind: .decimal(precision: 14, scale: 6), readonly: true),
            .kept("required_value", "Required Value"),
            .datetime("deadline", "Deadline", readonly: true),
            .char("cure_kind", "Cured By", readonly: true),
            .datetime("cured_at", "Cured", readonly: true),
            .states([("open", "Open"), ("cured", "Cured"), ("expired", "Expired"), ("cancelled", "Cancelled")], default: "open"),
        ],
        order: "opened_at desc, id desc", recName: "pledge_id", companyScoped: true, readableByCompanies: borrowerReads)

    /// Goods let out of a pledge against repayment (赎货): requested, approved by the lender
    /// (the value left must still cover the exposure), moved out by the supervisor's scan.
    public static let financeRelease = ModelSpec(
        name: "finance.release", label: "Pledge Release",
        fields: [
            .char("name", "Reference", readonly: true),
            .many2one("pledge_id", "Pledge", to: "finance.pledge", required: true, onDelete: .restrict),
            .company("company_id", "Company"),
            .company("borrower_company_id", "Borrower Company"),
            .company("supervisor_company_id", "Supervising Company"),
            .many2one("repayment_id", "Repayment", to: "finance.repayment", onDelete: .restrict),
            .kept("release_value", "Value Released"),
            .many2one("approved_by", "Approved By", to: "res.users", readonly: true, onDelete: .restrict),
            .datetime("approved_at", "Approved", readonly: true),
            .many2one("scanned_by", "Scanned By", to: "res.users", readonly: true, onDelete: .restrict),
            .datetime("picked_at", "Picked", readonly: true),
            .many2one("picking_id", "Transfer", to: "stock.picking", readonly: true, onDelete: .restrict),
            FieldSpec("kind", "Kind", kind: .selection([SelectionOption("release", "Release"), SelectionOption("liquidation", "Liquidation")]),
                      readonly: true),
            .kept("proceeds", "Proceeds"),
            .char("idempotency_key", "Idempotency Key", readonly: true),
            .states([("requested", "Requested"), ("approved", "Approved"), ("picked", "Picked"), ("done", "Done"), ("rejected", "Rejected")],
                    default: "requested"),
            .one2many("line_ids", "Goods", to: "finance.release.line", inverse: "release_id"),
        ],
        order: "id desc", companyScoped: true, auditedInDatabase: true, readableByCompanies: pledgeReads)

    public static let financeReleaseLine = ModelSpec(
        name: "finance.release.line", label: "Released Goods",
        fields: [
            .many2one("release_id", "Release", to: "finance.release", readonly: true, onDelete: .cascade),
            .many2one("pledge_line_id", "Pledged Goods", to: "finance.pledge.line", readonly: true, onDelete: .restrict),
            .company("company_id", "Company"),
            FieldSpec("quantity", "Quantity", kind: .decimal(precision: 16, scale: 3), readonly: true),
            .kept("value", "Value"),
        ],
        order: "release_id, id", recName: "pledge_line_id", companyScoped: true,
        readableByCompanies: ["release_id.borrower_company_id", "release_id.supervisor_company_id"])

    /// A supplier's claim on the group for goods received and a bill approved; financeable once
    /// the group confirms it, once.
    public static let financeReceivable = ModelSpec(
        name: "finance.receivable", label: "Receivable",
        fields: [
            .char("name", "Reference", readonly: true),
            .many2one("supplier_id", "Supplier", to: "res.partner", required: true, onDelete: .restrict),
            .many2one("debtor_company_id", "Debtor", to: "res.company", required: true, onDelete: .restrict),
            .many2one("company_id", "Company", to: "res.company", required: true, onDelete: .restrict, default: .compute { .int($0.companyId) }),
            .many2one("purchase_order_id", "Purchase Order", to: "purchase.order", onDelete: .restrict),
            .many2one("receipt_picking_id", "Receipt", to: "stock.picking", onDelete: .restrict),
            .char("bill_ref", "Bill Reference"),
            .money("face_amount", "Face Amount", required: true),
            .date("due_date", "Due Date", required: true),
            .datetime("confirmed_at", "Confirmed", readonly: true),
            .many2one("confirmed_by", "Confirmed By", to: "res.users", readonly: true, onDelete: .restrict),
            .many2one("assigned_to_id", "Assigned To", to: "res.partner", readonly: true, onDelete: .restrict),
            .many2one("loan_id", "Financed By", to: "finance.loan", readonly: true, onDelete: .restrict),
            .kept("advance_amount", "Advance"),
            .char("registration_no", "Registration No."),
            .states([("draft", "Draft"), ("confirmed", "Confirmed"), ("assigned", "Assigned"), ("settled", "Settled"), ("disputed", "Disputed"),
                     ("cancelled", "Cancelled")], default: "draft"),
        ],
        order: "id desc", companyScoped: true, auditedInDatabase: true, readableByCompanies: ["debtor_company_id"])

    /// Something a device or a count saw happen to pledged goods that no release explains.
    public static let financeCollateralAlert = ModelSpec(
        name: "finance.collateral.alert", label: "Collateral Alert",
        fields: [
            .many2one("pledge_id", "Pledge", to: "finance.pledge", readonly: true, onDelete: .cascade),
            .company("company_id", "Company"),
            .company("borrower_company_id", "Borrower Company"),
            .company("supervisor_company_id", "Supervising Company"),
            .selection("source", "Source", [SelectionOption("rfid_gate", "RFID Gate"), SelectionOption("count", "Count"),
                                            SelectionOption("door", "Door"), SelectionOption("price", "Price")]),
            .many2one("reader_id", "Reader", to: "stock.rfid.reader", readonly: true),
            .many2one("package_id", "Package", to: "stock.quant.package", readonly: true),
            FieldSpec("payload", "Details", kind: .text, readonly: true),
            .selection("state", "Status", [SelectionOption("open", "Open"), SelectionOption("closed", "Closed")], required: true, default: .value("open")),
        ],
        order: "create_date desc, id desc", recName: "pledge_id", companyScoped: true, readableByCompanies: pledgeReads)
}
