// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "chainstore",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "chainstore", targets: ["chainstore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // Codecs: no dependencies at all, fuzzable.
        .target(name: "XMLRPC", swiftSettings: swiftSettings),
        .target(name: "Barcode", exclude: ["README.md"], swiftSettings: swiftSettings),
        // PDF files of text and lines (printed documents; no PDF package is available).
        .target(name: "PDF", swiftSettings: swiftSettings),
        // A small MQTT 3.1.1 client on SwiftNIO for the device broker (no MQTT package is available).
        .target(
            name: "MQTT",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The payment channels' protocols: signing, verification, decryption. No database.
        .target(
            name: "Payments",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // A stand-in for the payment channels (demo and tests only; nothing in the product uses it).
        .target(
            name: "PaymentSandbox",
            dependencies: [
                "Payments",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: swiftSettings
        ),
        // Layer 0: the shared vocabulary. No database, no HTTP.
        .target(
            name: "ChainstoreCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        // Layer 1: PostgreSQL — pool, migrations, managed cluster, domain compiler, record store, audit.
        .target(
            name: "ChainstoreDB",
            dependencies: [
                "ChainstoreCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Layer 2: business modules. Base owns companies, users, groups and access.
        .target(
            name: "Base",
            dependencies: ["ChainstoreCore", "ChainstoreDB", "Barcode", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/Modules/Base",
            exclude: ["README.md"],
            resources: [.copy("Web")],
            swiftSettings: swiftSettings
        ),
        // The catalogue: units, categories, taxes, products, price lists.
        .target(
            name: "Product",
            dependencies: [
                "ChainstoreCore", "ChainstoreDB", "Base", "Barcode",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Modules/Product",
            exclude: ["README.md"],
            resources: [.copy("Web")],
            swiftSettings: swiftSettings
        ),
        // Payment-code payments: attempts and the flow that settles them with the channels.
        .target(
            name: "Payment",
            dependencies: [
                "ChainstoreCore", "ChainstoreDB", "Base", "Payments", "Barcode",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Sources/Modules/Payment",
            exclude: ["README.md"],
            resources: [.copy("Web")],
            swiftSettings: swiftSettings
        ),
        // Inventory: the ledger, lots, packages, counts, scanning, RFID, valuation.
        .target(
            name: "Stock",
            dependencies: ["ChainstoreCore", "ChainstoreDB", "Base", "Product", "Barcode", "PDF", .product(name: "Mustache", package: "swift-mustache")],
            path: "Sources/Modules/Stock",
            exclude: ["README.md"],
            resources: [.copy("Web"), .copy("Print")],
            swiftSettings: swiftSettings
        ),
        // Point of sale: tills, sessions, orders, payments at the till.
        .target(
            name: "PointOfSale",
            dependencies: [
                "ChainstoreCore", "ChainstoreDB", "Base", "Product", "Stock", "Payment", "Payments", "Barcode",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            path: "Sources/Modules/PointOfSale",
            exclude: ["README.md"],
            resources: [.copy("Web"), .copy("Print")],
            swiftSettings: swiftSettings
        ),
        // Sales: quotations, sales orders and their deliveries.
        .target(
            name: "Sale",
            dependencies: ["ChainstoreCore", "ChainstoreDB", "Base", "Product", "Stock"],
            path: "Sources/Modules/Sale",
            exclude: ["README.md"],
            resources: [.copy("Web")],
            swiftSettings: swiftSettings
        ),
        // IoT: the device registry, the broker's credentials, telemetry, alerts, commands, pick-to-light and RFID gates.
        .target(
            name: "IoT",
            dependencies: [
                "ChainstoreCore", "ChainstoreDB", "Base", "Stock", "MQTT", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"), .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Modules/IoT",
            resources: [.copy("Web")],
            swiftSettings: swiftSettings
        ),
        // Purchasing and replenishment: reordering rules, requests for quotation, purchase orders.
        .target(
            name: "Purchase",
            dependencies: [
                "ChainstoreCore", "ChainstoreDB", "Base", "Barcode", "Product", "Stock", "Sale", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/Modules/Purchase",
            exclude: ["README.md"],
            resources: [.copy("Web"), .copy("Print")],
            swiftSettings: swiftSettings
        ),
        // Supply-chain finance: credit lines, loans, pledges bound to the stock ledger, valuation, interest, entries.
        .target(
            name: "Finance",
            dependencies: [
                "ChainstoreCore", "ChainstoreDB", "Base", "Product", "Stock", "Purchase", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Modules/Finance",
            exclude: ["README.md"],
            resources: [.copy("Web")],
            swiftSettings: swiftSettings
        ),
        // Layer 3: Odoo's external API, independent of the transport.
        .target(
            name: "ChainstoreRPC",
            dependencies: [
                "ChainstoreCore", "ChainstoreDB", "XMLRPC",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Layer 4: HTTP.
        .target(
            name: "ChainstoreServer",
            dependencies: [
                "ChainstoreCore", "ChainstoreDB", "ChainstoreRPC",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Layer 5: composition root — the only place that lists every module.
        .target(
            name: "ChainstoreApp",
            dependencies: [
                "ChainstoreCore", "ChainstoreDB", "ChainstoreServer", "ChainstoreRPC", "XMLRPC", "Base", "Product", "Stock", "Barcode", "Payments", "Payment", "PointOfSale", "Sale", "Purchase", "IoT", "Finance", "MQTT",
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "chainstore",
            dependencies: [
                "ChainstoreApp", "ChainstoreDB", "ChainstoreServer", "Base", "Payment", "PaymentSandbox", "Payments", "Barcode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChainstoreTestSupport",
            dependencies: ["ChainstoreCore", "ChainstoreDB", "ChainstoreApp"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChainstoreCoreTests",
            dependencies: ["ChainstoreCore", "ChainstoreDB", "ChainstoreApp"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "XMLRPCTests", dependencies: ["XMLRPC"], swiftSettings: swiftSettings),
        .testTarget(name: "BarcodeTests", dependencies: ["Barcode"], swiftSettings: swiftSettings),
        .testTarget(name: "PDFTests", dependencies: ["PDF"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MQTTTests",
            dependencies: ["MQTT", .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PaymentsTests",
            dependencies: [
                "Payments", "PaymentSandbox", .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChainstoreIntegrationTests",
            dependencies: [
                "ChainstoreCore", "ChainstoreDB", "ChainstoreApp", "ChainstoreServer", "ChainstoreTestSupport", "Base", "Product", "Stock",
                "Payment", "Payments", "PaymentSandbox", "PointOfSale", "Sale", "Purchase", "IoT", "Finance",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
