import Base
import ChainstoreApp
import ChainstoreDB
import ChainstoreServer
import ChainstoreTestSupport
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Operational routes", .enabled(if: TestDatabase.isAvailable))
struct ServerTests {
    @Test func readinessFollowsTheSchemaAndMetricsAreExposed() async throws {
        let metrics = Node.metrics  // bootstraps the metrics system before any pool is used, as `serve` does
        let location = try await TestDatabase.location(database: "ready_probe")
        try await location.dropDatabase(logger: TestDatabase.logger)
        try await location.createDatabaseIfMissing(logger: TestDatabase.logger)
        let registry = try Modules.registry()
        try await location.withDatabase(logger: TestDatabase.logger) { db in
            let migrator = Migrator(manifests: registry.modules)
            let readiness = Node.readiness(database: db, migrator: migrator, node: "probe-node", roles: [.api, .cron], logger: TestDatabase.logger)
            let router = ServerApplication.buildRouter(readiness: readiness, metrics: metrics)
            let app = Application(router: router)
            try await app.test(.router) { client in
                try await client.execute(uri: "/health/ready", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(String(buffer: response.body).contains("migrations pending"))
                }
                _ = try await migrator.migrate(db, logger: TestDatabase.logger)
                try await client.execute(uri: "/health/ready", method: .get, headers: [.requestID: "probe-42"]) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.requestID] == "probe-42")
                    #expect(String(buffer: response.body).contains(#""node":"probe-node","roles":["api","cron"]"#))
                }
                try await client.execute(uri: "/health/live", method: .get, headers: [.requestID: "bad id with spaces"]) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.requestID] != "bad id with spaces")
                }
                try await client.execute(uri: "/metrics", method: .get) { response in
                    let text = String(buffer: response.body)
                    #expect(text.contains("chainstore_db_connections_in_use"))
                    #expect(text.contains("http_server_request_duration"))
                }
            }
        }
        try await location.dropDatabase(logger: TestDatabase.logger)
    }

    /// A node serves the endpoints and pages of its roles only; the others are not there (404).
    @Test func aNodeServesTheRoutesOfItsRolesOnly() async throws {
        try await TestDatabase.withFreshDatabase { db, registry in
            let node = NodeContext(registry: registry, databases: TenantJobsTests.Tenants(main: db, all: [db]), identity: BaseIdentity(),
                                   logger: TestDatabase.logger)
            let assets = try StaticAssets(modules: registry.modules)
            for (roles, scan, page) in [(Set([NodeRole.cron]), HTTPResponse.Status.notFound, HTTPResponse.Status.notFound),
                                        ([.api], .unauthorized, .notFound), ([.web], .notFound, .ok), ([.bus], .notFound, .notFound)] {
                let router = ServerApplication.buildRouter(readiness: Readiness { (true, "") }, metrics: Node.metrics) { router in
                    router.addEndpoints(registry.endpoints.map(\.endpoint), node: node, roles: roles)
                    router.addStaticAssets(assets, roles: roles)
                }
                try await Application(router: router).test(.router) { client in
                    try await client.execute(uri: "/api/v1/scan?code=1", method: .get) { response in #expect(response.status == scan, "\(roles)") }
                    try await client.execute(uri: "/scan", method: .get) { response in #expect(response.status == page, "\(roles)") }
                    try await client.execute(uri: "/api/v1/payments/notify/alipay", method: .post, body: ByteBuffer(string: "x")) { response in
                        #expect(response.status == (roles.contains(.api) ? .badRequest : .notFound), "\(roles)")
                    }
                    // The bus's routes belong to bus nodes only (a bus node asks for a sign-in).
                    for path in ["/websocket", "/websocket/health"] {
                        try await client.execute(uri: path, method: .get) { response in
                            let expected: HTTPResponse.Status = roles.contains(.bus) ? (path == "/websocket" ? .unauthorized : .ok) : .notFound
                            #expect(response.status == expected, "\(roles) \(path)")
                        }
                    }
                    try await client.execute(uri: "/longpolling/poll", method: .post, body: ByteBuffer(string: "{}")) { response in
                        #expect(response.status == (roles.contains(.bus) ? .unauthorized : .notFound), "\(roles)")
                    }
                }
            }
        }
    }
}
