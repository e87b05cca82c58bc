import ChainstoreCore

/// The SQL that keeps a company's branch on a company-owned table (`FieldSpec.companyBranch`):
/// the column with its existing values and the table's branch index (`KeptSortKey.add`), the
/// triggers that fill it when a row is made or given to another company, and the trigger on
/// `res_company` that follows a company moved to another branch; then the table is analysed, so
/// the first city's query after the upgrade is planned knowing how its rows fall in branches.
/// `res_company.branch_id` and the shared fill function come from the base module's
/// `company_branch` migration.
///
/// Migrations are checksummed: the text made here must never change for a migration already
/// applied; a different shape is a new function.
public enum CompanyBranch {
    /// `index`: the key list of the branch index, `company_branch` then the model's order.
    public static func keep(table: String, index: String) -> String {
        let column = FieldSpec.companyBranchName
        return KeptSortKey.add(table: table, column: column, type: "bigint", link: "company_id", parent: "res_company", key: "branch_id",
                               required: false, index: index) + """
            CREATE TRIGGER \(table)_\(column)_made BEFORE INSERT ON \(table)
                FOR EACH ROW WHEN (NEW.company_id IS NOT NULL) EXECUTE FUNCTION res_company_branch_fill();
            CREATE TRIGGER \(table)_\(column)_moved BEFORE UPDATE OF company_id, \(column) ON \(table)
                FOR EACH ROW EXECUTE FUNCTION res_company_branch_fill();

            """ + KeptSortKey.follow(table: table, column: column, link: "company_id", parent: "res_company", key: "branch_id",
                                     watching: ["parent_id", "parent_path", "branch_id"]) + """
            ANALYZE \(table);

            """
    }
}
