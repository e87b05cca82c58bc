import ChainstoreCore
import ChainstoreDB

extension Migration {
    /// A company's GS1 company prefix (ours: Odoo keeps none) and the last serial reference it
    /// gave a pallet's SSCC, so the pallets a DC packs carry SSCCs no other company can make.
    static let palletSerials = Migration("0014_pallet_serials", sql: #"""
        ALTER TABLE res_company
            ADD COLUMN gs1_company_prefix varchar CONSTRAINT res_company_gs1_company_prefix CHECK (gs1_company_prefix ~ '^[0-9]{6,12}$'),
            ADD COLUMN sscc_last_serial bigint NOT NULL DEFAULT 0;
        """#)
}
