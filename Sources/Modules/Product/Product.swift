import ChainstoreCore
import ChainstoreDB

/// The catalogue: units, categories, taxes, products and variants, packagings, supplier prices
/// and price lists.
public enum Product {
    public static let manifest = ModuleManifest(
        name: "product", depends: ["base"],
        models: [
            .uomCategory, .uomUom, .productCategory, .accountTax, .productTemplate, .productProduct, .productAttribute,
            .productAttributeValue, .productTemplateAttributeLine, .productTemplateAttributeValue, .productPackaging,
            .productSupplierinfo, .productPricelist, .productPricelistItem, .barcodeNomenclature, .barcodeRule, .productAssortment,
        ],
        migrations: [.createCatalogue, .createPricelists, .seedCatalogue, .catalogueVersions, .productNotices, .nomenclatures, .assortments],
        extensions: Variants.hooks)

    public enum Group {
        public static let catalogueManager = "product.group_catalogue_manager"
        public static let pricingManager = "product.group_pricing_manager"
    }
}
