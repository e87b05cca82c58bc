import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// A balance keeps its company's branch (`CompanyBranch`): a city manager's balances are
    /// tested against one column, not against a hashed list of the city's ten thousand stores
    /// that every statement built first (16 ms of a 29 ms page for Guangzhou's 29,485 companies).
    /// Balances are also readable through a transit location's destination, so a city's are
    /// not all in its branch and its pages are not read per branch range.
    static let quantsByBranch = Migration("0018_quants_by_branch", sql: CompanyBranch.keep(table: "stock_quant", index: "company_branch, id"))
}
