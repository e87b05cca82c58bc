import Base
import ChainstoreCore
import ChainstoreDB
import Logging

/// A small group for tests: two cities with a store each, and one user per level.
public struct GroupFixture: Sendable {
    public let city1: Int64, city2: Int64, store1: Int64, store2: Int64
    public let groupAdmin: Int64, cityUser: Int64, storeUser1: Int64, storeUser2: Int64

    public static func make(_ database: Database, _ registry: Registry) async throws -> GroupFixture {
        try await database.transaction(logger: TestDatabase.logger) { tx in
            let system = try await EnvLoader.load(tx, uid: 2, logger: TestDatabase.logger).asSystem(reason: "test fixture")
            let store = RecordStore(registry: registry, tx: tx, env: system)
            let cities = try await store.create("res.company", [["name": "Guangzhou", "parent_id": 1], ["name": "Shenzhen", "parent_id": 1]])
            let shops = try await store.create("res.company", [
                ["name": "GZ Store 1", "parent_id": .int(cities[0])], ["name": "SZ Store 1", "parent_id": .int(cities[1])],
            ])
            func user(_ login: String, _ company: Int64, admin: Bool = false) -> RecordValues {
                ["name": .string(login), "login": .string(login), "company_id": .int(company),
                 "company_ids": [[6, 0, [.int(company)]]], "groups_id": [[6, 0, admin ? [1, 2] : [1]]]]
            }
            let users = try await store.create("res.users", [
                user("group.admin", 1, admin: true), user("city.gz", cities[0]), user("store.gz", shops[0]), user("store.sz", shops[1]),
            ])
            return GroupFixture(
                city1: cities[0], city2: cities[1], store1: shops[0], store2: shops[1],
                groupAdmin: users[0], cityUser: users[1], storeUser1: users[2], storeUser2: users[3])
        }
    }

    /// Runs `body` in one transaction as `uid` (an ordinary user, never the superuser).
    public static func asUser<T: Sendable>(
        _ database: Database, _ registry: Registry, uid: Int64, context: RecordValues = [:],
        _ body: @Sendable (RecordStore) async throws -> T
    ) async throws -> T {
        try await database.transaction(logger: TestDatabase.logger) { tx in
            let env = try await EnvLoader.load(tx, uid: uid, context: context, logger: TestDatabase.logger)
            return try await body(RecordStore(registry: registry, tx: tx, env: env))
        }
    }
}
