import ArgumentParser
import Foundation
import Hummingbird
import PaymentSandbox
import Payments
import Crypto
import _CryptoExtras

/// `chainstore sandbox-pay`: the local WeChat Pay / Alipay stand-in (see `PaymentSandbox`).
struct SandboxPay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox-pay",
        abstract: "Run a local WeChat Pay (v2) and Alipay gateway stand-in with its own keys and scripted outcomes (demo and tests only).")
    @Option(help: "Port to listen on (127.0.0.1 only).") var port = 8090
    @Option(help: "Folder of the keys: created with fresh ones when missing (the merchant side reads the same folder).") var keys = ".chainstore/sandbox-pay"
    @Option(help: "Seconds a 'user paying' payer takes to confirm (codes ending 01).") var confirmSeconds = 2.0
    @Option(help: "Seconds before a slow answer (codes ending 06).") var slowSeconds = 4.0
    @Option(help: "Seconds an answer is held after the charge (codes ending 05).") var lostSeconds = 30.0
    @Option(help: "Seconds a WeChat refund is processing before it succeeds (and is notified).") var refundSeconds = 1.0

    func run() async throws {
        let folder = URL(fileURLWithPath: keys)
        let material = try SandboxKeys.load(or: folder)
        var configuration = PaymentSandbox.Configuration(
            wechatAPIKey: material.wechatAPIKey, alipayAppPublicKey: material.appPrivate.publicKey, alipayPlatformKey: material.platformPrivate)
        configuration.confirmSeconds = confirmSeconds
        configuration.slowSeconds = slowSeconds
        configuration.lostSeconds = lostSeconds
        configuration.refundSeconds = refundSeconds
        configuration.wechatV3 = material.v3
        let sandbox = PaymentSandbox(configuration: configuration)
        print("""
            sandbox-pay on http://127.0.0.1:\(port)
              WeChat Pay v2: base http://127.0.0.1:\(port), appid \(configuration.wechatAppId), mch_id \(configuration.wechatMchId), API key in \(keys)/wechat_api_key
              WeChat Pay v3: the same base; merchant key, serial, platform key (\(material.v3.publicKeyId)) and APIv3 key in \(keys)/
              a Native QR order is paid by POST http://127.0.0.1:\(port)/sandbox/native/{out_trade_no}/pay (the customer scanning it)
              Alipay: gateway http://127.0.0.1:\(port)/gateway.do, app_id \(configuration.alipayAppId), keys in \(keys)/
              outcomes by the payment code's last two digits: 00 paid, 01 user paying then paid, 02 never confirms,
                03 insufficient funds, 04 system error (charged), 05 answer lost after the charge, 06 slow answer
            """)
        let app = Application(router: sandbox.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
    }
}

/// The sandbox's key folder: the WeChat API key and two Alipay key pairs (the application's
/// and the platform's), PEM files readable by the owner only.
enum SandboxKeys {
    struct Material {
        let wechatAPIKey: String
        let appPrivate: _RSA.Signing.PrivateKey
        let platformPrivate: _RSA.Signing.PrivateKey
        let v3: PaymentSandbox.WeChatV3Side
        let merchantPrivate: _RSA.Signing.PrivateKey
    }

    static func load(or folder: URL) throws -> Material {
        let manager = FileManager.default
        try manager.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        func file(_ name: String, make: () throws -> String) throws -> String {
            let url = folder.appendingPathComponent(name)
            if let text = try? String(contentsOf: url, encoding: .utf8) { return text }
            let text = try make()
            try text.write(to: url, atomically: true, encoding: .utf8)
            try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
            return text
        }
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        let apiKey = try file("wechat_api_key") { String((0..<32).map { _ in alphabet.randomElement()! }) }.trimmingCharacters(in: .whitespacesAndNewlines)
        let app = try PaymentKeys.privateKey(try file("alipay_app_private.pem") { try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation })
        let platform = try PaymentKeys.privateKey(try file("alipay_platform_private.pem") { try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation })
        _ = try file("alipay_app_public.pem") { app.publicKey.pemRepresentation }
        _ = try file("alipay_platform_public.pem") { platform.publicKey.pemRepresentation }
        let merchant = try PaymentKeys.privateKey(try file("wechat_merchant_private.pem") { try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation })
        let wechatPlatform = try PaymentKeys.privateKey(try file("wechat_platform_private.pem") {
            try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
        })
        _ = try file("wechat_platform_public.pem") { wechatPlatform.publicKey.pemRepresentation }
        let serial = try file("wechat_merchant_serial") {
            String(SHA256.hash(data: merchant.publicKey.derRepresentation).map { String(format: "%02X", $0) }.joined().prefix(40))
        }.trimmingCharacters(in: .whitespacesAndNewlines)
        let publicKeyId = try file("wechat_public_key_id") { "PUB_KEY_ID_0119000010920240601" + String((0..<16).map { _ in "0123456789".randomElement()! }) }
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let apiV3Key = try file("wechat_apiv3_key") { String((0..<32).map { _ in alphabet.randomElement()! }) }.trimmingCharacters(in: .whitespacesAndNewlines)
        let v3 = PaymentSandbox.WeChatV3Side(merchantPublicKey: merchant.publicKey, merchantSerial: serial, platformKey: wechatPlatform,
                                             publicKeyId: publicKeyId, apiV3Key: apiV3Key)
        return Material(wechatAPIKey: apiKey, appPrivate: app, platformPrivate: platform, v3: v3, merchantPrivate: merchant)
    }
}
