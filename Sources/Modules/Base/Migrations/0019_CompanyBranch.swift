import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// A company keeps its branch (`branch_id`: its ancestor just below the tree's root, a city;
    /// NULL for a root), read from its path whenever the path is written, which a move of any
    /// ancestor does too. Partners keep their company's branch (`CompanyBranch`), so a city
    /// manager's partners are the rows of one index range, not a test of each partner's company
    /// against the city's ten thousand stores in the order of every partner of the group.
    static let companyBranch = Migration("0019_company_branch", sql: """
        ALTER TABLE res_company ADD COLUMN branch_id bigint;
        UPDATE res_company SET branch_id = nullif(split_part(parent_path, '/', 2), '')::bigint;
        CREATE FUNCTION res_company_branch() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            NEW.branch_id := nullif(split_part(NEW.parent_path, '/', 2), '')::bigint;
            RETURN NEW;
        END
        $fn$;
        -- After res_company_parent_path (triggers fire in name order), which writes the path.
        CREATE TRIGGER res_company_tree_branch BEFORE INSERT OR UPDATE OF parent_id, parent_path, branch_id ON res_company
            FOR EACH ROW EXECUTE FUNCTION res_company_branch();
        CREATE FUNCTION res_company_branch_fill() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
            NEW.company_branch := (SELECT c.branch_id FROM res_company c WHERE c.id = NEW.company_id);
            RETURN NEW;
        END
        $fn$;

        """ + CompanyBranch.keep(table: "res_partner", index: "company_branch, name, id"))
}
