import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// A reordering rule keeps its company's branch (`CompanyBranch`), and the rules' order is
    /// indexed within each branch: a city manager's first page is the first entries of the
    /// city's range. Walking the whole order for the city's rules took seconds for a city whose
    /// stores' locations sort late (Shenzhen: 5 s, after 14.7 million of Guangzhou's rules) and
    /// longest for a city without rules (9 s over all 25 million).
    static let rulesByBranch = Migration("0012_rules_by_branch", sql: CompanyBranch.keep(
        table: "stock_warehouse_orderpoint", index: "company_branch, location_name, location_id, company_id, id"))
}
