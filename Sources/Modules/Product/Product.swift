import ChainstoreCore
import ChainstoreDB
import Foundation

/// The catalogue: units, categories, taxes, products and variants, packagings, supplier prices
/// and price lists; the tills' scan and catalogue calls, and each node's catalogue cache.
public enum Product {
    public static let manifest = ModuleManifest(
        name: "product", depends: ["base"],
        models: [
            .uomCategory, .uomUom, .productCategory, .accountTax, .productTemplate, .productProduct, .productAttribute,
            .productAttributeValue, .productTemplateAttributeLine, .productTemplateAttributeValue, .productPackaging,
            .productSupplierinfo, .productPricelist, .productPricelistItem, .barcodeNomenclature, .barcodeRule, .productAssortment,
        ],
        migrations: [.createCatalogue, .createPricelists, .seedCatalogue, .catalogueVersions, .productNotices, .nomenclatures, .assortments, .variantCompany, .productOrderIndexes, .catalogueBus,
                     .priceWindows, .taxAmounts, .nameSearchIndexes, .variantName, .priceRulesInOrder, .combinationName, .ruleNoticesForRows],
        methods: methods,
        hooks: Variants.hooks,
        endpoints: CatalogueAPI.endpoints,
        web: WebAssets(folder: Bundle.module.url(forResource: "Web", withExtension: nil)!, pages: []),
        jobs: [
            // Price rules whose time window opened or closed reach the tills and the caches.
            Job("product.price_windows", every: .seconds(60)) { job in
                try await PriceWindows.advance(job.database, logger: job.logger)
            },
        ],
        start: { node in
            // Every node serving the API keeps the catalogue in memory, kept honest by
            // PostgreSQL's notices (web, bus and cron nodes do not scan).
            guard node.roles.contains(.api) else { return [] }
            let cache = node.catalogueCache
            cache.prepare(node.main)
            return [CacheListener(cache: cache, logger: node.logger)]
        },
        views: views, menus: menus)

    public enum Group {
        public static let catalogueManager = "product.group_catalogue_manager"
        public static let pricingManager = "product.group_pricing_manager"
    }
}
