import ChainstoreCore
import ChainstoreDB
import Foundation

/// Supply-chain finance: credit lines for stores and suppliers, loans secured by goods the DC
/// holds for a lender, by a floating charge over a store's stock or by confirmed receivables;
/// collateral valued live from the stock ledger and price lists, margin calls, daily interest,
/// repayments by the contract's order, releases against repayment, balanced accounting entries
/// for both books. Read `../shared/specs/finance.md` for the domain.
public enum Finance {
    public static let manifest = ModuleManifest(
        name: "finance", depends: ["base", "product", "stock", "purchase"],
        models: [
            .financeCreditLine, .financeLoan, .financeLoanAccrual, .financeRepayment, .financePledge, .financePledgeLine, .financeValuation,
            .financeMarginCall, .financeRelease, .financeReleaseLine, .financeReceivable, .financeCollateralAlert, .financeEntry,
        ],
        extending: [
            ModelExtension(model: "product.category", fields: [
                .boolean("finance_eligible", "Eligible as Collateral", default: .value(.true)),
                .decimal("finance_haircut", "Collateral Haircut", precision: 6, scale: 4, default: .value(.double(0.2))),
            ]),
            ModelExtension(model: "stock.location", fields: [
                .many2one("finance_pledge_id", "Pledged Under", to: "finance.pledge", readonly: true),
            ]),
        ],
        migrations: [.createFinance],
        rules: FinanceRules.all,
        methods: methods,
        hooks: Collateral.priceHooks,
        web: WebAssets(folder: Bundle.module.url(forResource: "Web", withExtension: nil)!, pages: []),
        jobs: [Nightly.job],
        views: views, menus: menus, dashboard: dashboard)

    /// A message on a company's finance bus channel (`["db","res.company",<id>,"finance"]`): the
    /// borrower's and the lender's hear of warnings, margin calls, cures and enforcement.
    static func notice(_ database: String, company: Int64, _ type: String, _ payload: Value) -> Bus.Notification {
        Bus.Notification(channel: Bus.channel(database, "res.company", company, "finance"), type: type, payload: payload)
    }

    /// Today in China, where the group's business days are.
    static let today: SQLBuilder = "(now() AT TIME ZONE 'Asia/Shanghai')::date"
}
