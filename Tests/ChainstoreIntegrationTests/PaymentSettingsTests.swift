import AsyncHTTPClient
import ChainstoreApp
import ChainstoreCore
import Payment
import Foundation
import Payments
import Testing
import X509
import _CryptoExtras

/// The payments configuration as an operator writes it: WeChat Pay v3 and Alipay certificate
/// mode load from their files; a key others can read, an APIv3 key of the wrong length, a
/// certificate mode without its root bundle, or a channel over plain http elsewhere than on
/// this machine stop the node.
@Suite("Payment settings: v3, certificate mode, refusals")
struct PaymentSettingsTests {
    static func certificate(subject: String, key: _RSA.Signing.PrivateKey, issuer: String, issuerKey: _RSA.Signing.PrivateKey, serial: [UInt8]) throws -> String {
        func name(_ common: String) throws -> DistinguishedName {
            try DistinguishedName {
                CountryName("CN")
                OrganizationName("Ant Financial")
                OrganizationalUnitName("Certification Authority")
                CommonName(common)
            }
        }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: serial), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(86_400 * 365), issuer: try name(issuer),
            subject: try name(subject), signatureAlgorithm: .sha256WithRSAEncryption, extensions: Certificate.Extensions(),
            issuerPrivateKey: Certificate.PrivateKey(issuerKey))
        return try certificate.serializeAsPEM().pemString
    }

    /// A folder of key files (mode 600) and a configuration naming them.
    static func folder(_ files: [String: String], config: String, mode: Int = 0o600) throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/chainstore-settings-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for (name, text) in files {
            try text.write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: name == "apiv3_key" ? mode : 0o600], ofItemAtPath: path + "/" + name)
        }
        try config.write(toFile: path + "/payments.json", atomically: true, encoding: .utf8)
        return path + "/payments.json"
    }

    @Test func weChatV3AndAlipayCertificateModeLoad() throws {
        let (merchant, platform, app, alipay, root) = (try _RSA.Signing.PrivateKey(keySize: .bits2048), try _RSA.Signing.PrivateKey(keySize: .bits2048),
                                                       try _RSA.Signing.PrivateKey(keySize: .bits2048), try _RSA.Signing.PrivateKey(keySize: .bits2048),
                                                       try _RSA.Signing.PrivateKey(keySize: .bits2048))
        let rootPEM = try Self.certificate(subject: "Root R1", key: root, issuer: "Root R1", issuerKey: root, serial: [0x01, 0x23])
        let appPEM = try Self.certificate(subject: "2021004112345678", key: app, issuer: "Root R1", issuerKey: root, serial: [0x7F, 0x01])
        let alipayPEM = try Self.certificate(subject: "Alipay Public Key", key: alipay, issuer: "Root R1", issuerKey: root, serial: [0x55, 0xAA, 0x01])
        let path = try Self.folder([
            "merchant.pem": merchant.pemRepresentation, "platform.pem": platform.publicKey.pemRepresentation, "apiv3_key": "V3k3yV3k3yV3k3yV3k3yV3k3yV3k3y12",
            "app.pem": app.pemRepresentation, "app.crt": appPEM, "alipay.crt": alipayPEM, "root.crt": rootPEM,
        ], config: """
            {"notify_base": "https://pay.example.cn/",
             "wechat": {"api": "v3", "appid": "wx8888888888888888", "mch_id": "1900000109", "merchant_serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
                        "merchant_private_key_file": "merchant.pem", "apiv3_key_file": "apiv3_key",
                        "platform_public_keys": {"PUB_KEY_ID_0119000010920240601000000000001": "platform.pem"}},
             "alipay": {"app_id": "2021004112345678", "app_private_key_file": "app.pem", "app_cert_file": "app.crt",
                        "alipay_cert_files": ["alipay.crt"], "alipay_root_cert_file": "root.crt"},
             "qr_deadline_seconds": 60}
            """)
        let settings = try PaymentSettings.load(path: path)
        let wechat = try #require(settings.gateways[.wechat] as? WeChatV3Client)
        #expect(wechat.base == "https://api.mch.weixin.qq.com" && wechat.merchant.notifyURL == "https://pay.example.cn/api/v1/payments/notify/wechat-v3")
        #expect(wechat.merchant.platformKeys.key(forSerial: "PUB_KEY_ID_0119000010920240601000000000001") != nil)
        let client = try #require(settings.gateways[.alipay] as? AlipayClient)
        let certificates = try #require(client.merchant.certificates)
        #expect(certificates.appCertSN == Alipay.certSN(try Certificate(pemEncoded: appPEM)))
        #expect(certificates.rootCertSN == Alipay.certSN(try Certificate(pemEncoded: rootPEM)))
        #expect(certificates.alipayKeys[Alipay.certSN(try Certificate(pemEncoded: alipayPEM))] != nil)
        #expect(client.merchant.notifyURL == "https://pay.example.cn/api/v1/payments/notify/alipay")
        #expect(settings.timing.qrDeadline == .seconds(60))
    }

    @Test func badConfigurationsStopTheNode() throws {
        let merchant = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        func v3(apiV3Key: String, mode: Int = 0o600, base: String = "https://api.mch.weixin.qq.com") throws -> String {
            try Self.folder(["merchant.pem": merchant.pemRepresentation, "platform.pem": merchant.publicKey.pemRepresentation, "apiv3_key": apiV3Key], config: """
                {"wechat": {"api": "v3", "base": "\(base)", "appid": "wx8888888888888888", "mch_id": "1900000109", "merchant_serial_no": "5157",
                            "merchant_private_key_file": "merchant.pem", "apiv3_key_file": "apiv3_key", "platform_public_keys": {"PUB_KEY_ID_1": "platform.pem"}}}
                """, mode: mode)
        }
        #expect(throws: Never.self) { try PaymentSettings.load(path: try v3(apiV3Key: "V3k3yV3k3yV3k3yV3k3yV3k3yV3k3y12")) }
        for (path, why) in [(try v3(apiV3Key: "short"), "32 characters"), (try v3(apiV3Key: "V3k3yV3k3yV3k3yV3k3yV3k3yV3k3y12", mode: 0o644), "read by others"),
                            (try v3(apiV3Key: "V3k3yV3k3yV3k3yV3k3yV3k3yV3k3y12", base: "http://pay.example.cn"), "https")] {
            let error = #expect(throws: ChainstoreError.self) { try PaymentSettings.load(path: path) }
            #expect(error?.message.contains(why) == true, "\(error?.message ?? "")")
        }
        let noRoot = try Self.folder(["app.pem": merchant.pemRepresentation], config: """
            {"alipay": {"app_id": "2021004112345678", "app_private_key_file": "app.pem", "app_cert_file": "app.pem", "alipay_cert_files": ["app.pem"]}}
            """)
        #expect(throws: ChainstoreError.self) { try PaymentSettings.load(path: noRoot) }
    }

    @Test func weChatV2PresentsTheMerchantCertificateForSecapiCalls() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let certificate = try Self.certificate(subject: "1900000109", key: key, issuer: "Tenpay.com Root CA", issuerKey: key, serial: [0x42])
        func load(certificate: String) throws -> PaymentSettings {
            try PaymentSettings.load(path: try Self.folder(["api_key": "Q3fT9kLm2Xv8Rz1NpW6yBc4HsJd7Ae0G", "apiclient_cert.pem": certificate,
                                                            "apiclient_key.pem": key.pemRepresentation], config: """
                {"wechat": {"appid": "wx8888888888888888", "mch_id": "1900000109", "api_key_file": "api_key",
                            "client_certificate_file": "apiclient_cert.pem", "client_key_file": "apiclient_key.pem"}}
                """))
        }
        let client = try #require(try load(certificate: certificate).gateways[.wechat] as? WeChatV2Client)
        #expect(client.http !== HTTPClient.shared)
        #expect(try #require(try load(certificate: certificate).gateways[.wechat] as? WeChatV2Client).http === client.http)
        #expect(throws: ChainstoreError.self) { try load(certificate: "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n") }
        // Without it, every reversal would fail: the node does not start.
        let error = #expect(throws: ChainstoreError.self) {
            try PaymentSettings.load(path: try Self.folder(["api_key": "Q3fT9kLm2Xv8Rz1NpW6yBc4HsJd7Ae0G"], config: """
                {"wechat": {"appid": "wx8888888888888888", "mch_id": "1900000109", "api_key_file": "api_key"}}
                """))
        }
        #expect(error?.message.contains("client_certificate_file") == true)
    }

    @Test func theDailyJobLooksAtTheLastSevenDaysWhoseBillsAreOut() throws {
        // 2026-11-27 10:29 and 10:31 in China (UTC+8).
        let before = try #require(ISO8601DateFormatter().date(from: "2026-11-27T02:29:00Z"))
        let after = try #require(ISO8601DateFormatter().date(from: "2026-11-27T02:31:00Z"))
        #expect(Reconciliation.daysDue(at: before) == ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25"])
        #expect(Reconciliation.daysDue(at: after) == ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26"])
        // Just after midnight in China, still 26 November in UTC: the China day counts.
        let midnight = try #require(ISO8601DateFormatter().date(from: "2026-11-26T16:05:00Z"))
        #expect(Reconciliation.daysDue(at: midnight).last == "2026-11-25")
    }
}
