import ChainstoreDB
import ChainstoreTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdTesting
import Payment
import PaymentSandbox
import Testing
import _CryptoExtras

/// The real `chainstore` server taking payments from the sandbox gateway is killed with
/// SIGKILL while the payers are typing their passwords; started again on the same data, it
/// settles both attempts by itself: the one the payer confirmed is paid, the other reversed.
@Suite("Payments survive kill -9", .enabled(if: TestDatabase.isAvailable), .serialized)
struct PaymentCrashTests {
    @Test func attemptsLeftOpenByAKilledServerAreSettledAfterRestart() async throws {
        try #require(ServerProcess.executable != nil, "build the chainstore executable first (swift build)")
        let root = FileManager.default.temporaryDirectory.path + "/chainstore-pay-\(getpid())"
        let keys = root + "-keys"
        defer {
            try? ManagedCluster(root: root).stop(mode: "immediate") { _ in }
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: keys)
        }
        let app = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let platform = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let apiKey = "Z3fT9kLm2Xv8Rz1NpW6yBc4HsJd7Ae0Q"
        var configuration = PaymentSandbox.Configuration(wechatAPIKey: apiKey, alipayAppPublicKey: app.publicKey, alipayPlatformKey: platform)
        configuration.confirmSeconds = 4
        let sandbox = Application(router: PaymentSandbox(configuration: configuration).router(),
                                  configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await sandbox.test(.live) { client in
            try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
            func secret(_ name: String, _ text: String, mode: Int = 0o600) throws {
                try text.write(toFile: keys + "/" + name, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: keys + "/" + name)
            }
            try secret("wechat_api_key", apiKey)
            try secret("app.pem", app.pemRepresentation)
            try secret("platform.pem", platform.publicKey.pemRepresentation)
            let config = """
                {"wechat": {"base": "http://127.0.0.1:\(client.port!)", "appid": "wx8888888888888888", "mch_id": "1900000109",
                            "api_key_file": "wechat_api_key"},
                 "alipay": {"gateway": "http://127.0.0.1:\(client.port!)/gateway.do", "app_id": "2021004112345678",
                            "app_private_key_file": "app.pem", "alipay_public_key_file": "platform.pem"},
                 "deadline_seconds": 6, "lease_seconds": 2, "poll_seconds": 1}
                """
            try config.write(toFile: keys + "/payments.json", atomically: true, encoding: .utf8)
            let port = Int.random(in: 20_000...40_000)
            var server = try ServerProcess.start(dataDir: root, port: port, extra: ["--demo", "--payments", keys + "/payments.json"])
            #expect(try await server.waitUntilReady())

            let orders = [("crash-confirms", "134567890123456701"), ("crash-never", "287951669891795402")]
            for (key, code) in orders {
                Task.detached {
                    _ = try? await Self.post(port: port, path: "/api/v1/payments",
                                             body: ["order_key": key, "attempt": 1, "auth_code": code, "amount": 800, "subject": "test"])
                }
            }
            for (key, _) in orders {
                #expect(try await Self.waitFor(port: port, reference: PaymentFlow.reference(company: 1, orderKey: key, attempt: 1), states: ["user_paying"], seconds: 20))
            }
            await server.killNine()

            server = try ServerProcess.start(dataDir: root, port: port, extra: ["--demo", "--payments", keys + "/payments.json"])
            #expect(try await server.waitUntilReady(), "restart after kill -9")
            #expect(try await Self.waitFor(port: port, reference: PaymentFlow.reference(company: 1, orderKey: "crash-confirms", attempt: 1), states: ["paid"], seconds: 40))
            #expect(try await Self.waitFor(port: port, reference: PaymentFlow.reference(company: 1, orderKey: "crash-never", attempt: 1), states: ["reversed"], seconds: 40))
            // The same till request after the restart charges nothing new.
            let (status, again) = try await Self.post(port: port, path: "/api/v1/payments",
                                                      body: ["order_key": "crash-confirms", "attempt": 1, "auth_code": "134567890123456701", "amount": 800])
            #expect(status == 200 && again["state"] as? String == "paid")
            // A key file others can read stops the node from starting with it.
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keys + "/app.pem")
            server.terminate()
            _ = await server.exited(within: 30)
            let refused = try ServerProcess.start(dataDir: root, port: port, extra: ["--demo", "--payments", keys + "/payments.json"])
            #expect(await refused.exited(within: 60).map { $0 != 0 } == true)
            // So does a channel reached over plain http anywhere but on this machine.
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keys + "/app.pem")
            try config.replacingOccurrences(of: "http://127.0.0.1:\(client.port!)/gateway.do", with: "http://openapi.example.com/gateway.do")
                .write(toFile: keys + "/payments.json", atomically: true, encoding: .utf8)
            let plain = try ServerProcess.start(dataDir: root, port: port, extra: ["--demo", "--payments", keys + "/payments.json"])
            #expect(await plain.exited(within: 60).map { $0 != 0 } == true)
        }
    }

    static let password = ProcessInfo.processInfo.environment["CHAINSTORE_ADMIN_PASSWORD"] ?? "admin"

    static func post(port: Int, path: String, body: [String: Any]) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        request.timeoutInterval = 120
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Basic " + Data("admin:\(Self.password)".utf8).base64EncodedString(), forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    static func waitFor(port: Int, reference: String, states: Set<String>, seconds: Int) async throws -> Bool {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/payments/\(reference)")!)
        request.setValue("Basic " + Data("admin:\(Self.password)".utf8).base64EncodedString(), forHTTPHeaderField: "Authorization")
        for _ in 0..<(seconds * 4) {
            if let (data, _) = try? await URLSession.shared.data(for: request),
                let state = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["state"] as? String, states.contains(state)
            {
                return true
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        return false
    }
}
