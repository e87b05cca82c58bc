import AsyncHTTPClient
import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import NIOSSL
import Payments
import Synchronization
import _CryptoExtras

/// The merchant accounts a node pays with, from a JSON file named by `serve --payments FILE`
/// (or `CHAINSTORE_PAYMENTS`). Keys live in files beside it, named there; a key file anyone but
/// its owner can read is refused, and no key is ever logged or stored in the database.
///
/// ```json
/// {"wechat": {"base": "https://api.mch.weixin.qq.com", "appid": "wx…", "mch_id": "1900000109",
///             "api_key_file": "wechat_api_key", "sign_type": "HMAC-SHA256"},
///  "alipay": {"gateway": "https://openapi.alipay.com/gateway.do", "app_id": "2021…",
///             "app_private_key_file": "alipay_app_private.pem", "alipay_public_key_file": "alipay_platform_public.pem"},
///  "deadline_seconds": 45}
/// ```
///
/// WeChat Pay API v2 reverses and refunds over `/secapi`, which wants the merchant's client
/// certificate: `"client_certificate_file"` and `"client_key_file"` (PEM). API v3 instead:
/// `{"api": "v3", "appid", "mch_id", "merchant_serial_no", "merchant_private_key_file",
/// "apiv3_key_file", "platform_public_keys": {"PUB_KEY_ID_…": "file.pem", …}}` (two keys
/// while they rotate). `"notify_base"` is this group's public address as the channels reach it;
/// refunds and QR orders then ask for callbacks to `{notify_base}/api/v1/payments/notify/…`.
public struct PaymentSettings: Sendable {
    public let gateways: [PaymentChannel: any PaymentGateway]
    public var timing = PaymentFlow.Timing()

    public static func load(path: String) throws -> PaymentSettings {
        let (root, folder) = try readFile(path)
        return try parse(root, folder: folder, tenant: nil)
    }

    /// The merchant accounts of each tenant database: a file holding one configuration serves the
    /// node's own database (`main`); `{"databases": {"demo": {…}, "group2": {…}}}` names each
    /// tenant's own accounts.
    public static func loadAll(path: String, main: String) throws -> [String: PaymentSettings] {
        let (root, folder) = try readFile(path)
        guard let tenants = root["databases"] as? [String: Any] else { return [main: try parse(root, folder: folder, tenant: nil)] }
        return try tenants.reduce(into: [:]) { all, tenant in
            guard let config = tenant.value as? [String: Any] else {
                throw ChainstoreError.validation("databases.\(tenant.key) must be a payments configuration object.")
            }
            all[tenant.key] = try parse(config, folder: folder, tenant: tenant.key == main ? nil : tenant.key)
        }
    }

    static func readFile(_ path: String) throws -> ([String: Any], URL) {
        let url = URL(fileURLWithPath: path)
        guard let data = try? Data(contentsOf: url), let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ChainstoreError.validation("The payments configuration \(path) cannot be read as JSON.")
        }
        let folder = url.deletingLastPathComponent()
        // The folder holding the keys must not let others swap them.
        if let mode = ((try? FileManager.default.attributesOfItem(atPath: folder.path))?[.posixPermissions] as? NSNumber)?.intValue, mode & 0o022 != 0 {
            throw ChainstoreError.validation("\(folder.path) can be written by others (mode \(String(mode, radix: 8))); chmod go-w it.")
        }
        return (root, folder)
    }

    /// One tenant's accounts; callbacks for a tenant other than the node's own database name it
    /// (`?db=`) in the address the channels call back.
    static func parse(_ root: [String: Any], folder: URL, tenant: String?) throws -> PaymentSettings {
        let tenantQuery = tenant.map { "?db=" + ($0.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? $0) } ?? ""
        /// Channel addresses: https, except on this machine (the sandbox).
        func address(_ text: String) throws -> String {
            guard let parsed = URL(string: text), let host = parsed.host else { throw ChainstoreError.validation("\(text) is not a URL") }
            guard parsed.scheme == "https" || (parsed.scheme == "http" && ["127.0.0.1", "localhost", "::1"].contains(host)) else {
                throw ChainstoreError.validation("\(text): payment channels are reached over https (plain http only on this machine).")
            }
            return text
        }
        /// A key file's text, read from the descriptor whose mode and owner were checked (the
        /// file checked is the file read, links followed once).
        func secret(_ name: String?) throws -> String {
            guard let name else { throw ChainstoreError.validation("The payments configuration names no key file.") }
            let file = name.hasPrefix("/") ? URL(fileURLWithPath: name) : folder.appendingPathComponent(name)
            let descriptor = open(file.path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw ChainstoreError.validation("\(file.path) cannot be opened.") }
            defer { close(descriptor) }
            var info = stat()
            guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                throw ChainstoreError.validation("\(file.path) is not a regular file.")
            }
            let mode = Int(info.st_mode & 0o777)
            guard mode & 0o077 == 0 else {
                throw ChainstoreError.validation("\(file.path) can be read by others (mode \(String(mode, radix: 8))); chmod 600 it.")
            }
            guard info.st_uid == getuid() else { throw ChainstoreError.validation("\(file.path) belongs to another user.") }
            guard info.st_size <= 64 * 1024 else { throw ChainstoreError.validation("\(file.path) is too large for a key.") }
            var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
            var filled = 0
            while filled < bytes.count {
                let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
                guard count > 0 else { break }
                filled += count
            }
            guard let text = String(validating: bytes[..<filled], as: UTF8.self) else { throw ChainstoreError.validation("\(file.path) is not text.") }
            return text
        }
        var gateways: [PaymentChannel: any PaymentGateway] = [:]
        let notifyBase = try (root["notify_base"] as? String).map { try address($0) }.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        if let wechat = root["wechat"] as? [String: Any], wechat["api"] as? String == "v3" {
            guard let appId = wechat["appid"] as? String, let mchId = wechat["mch_id"] as? String, let serial = wechat["merchant_serial_no"] as? String,
                let platform = wechat["platform_public_keys"] as? [String: String], !platform.isEmpty
            else { throw ChainstoreError.validation("wechat (v3) needs appid, mch_id, merchant_serial_no and platform_public_keys") }
            do {
                var keys = WeChatV3.PlatformKeys()
                for (id, file) in platform { keys.add(id: id, key: try PaymentKeys.publicKey(try secret(file))) }
                let apiV3Key = try secret(wechat["apiv3_key_file"] as? String).trimmingCharacters(in: .whitespacesAndNewlines)
                guard apiV3Key.utf8.count == 32 else { throw ChainstoreError.validation("The APIv3 key must be 32 characters.") }
                var merchant = WeChatV3Merchant(appId: appId, mchId: mchId, serialNo: serial,
                                                privateKey: try PaymentKeys.privateKey(try secret(wechat["merchant_private_key_file"] as? String)),
                                                platformKeys: keys, apiV3Key: apiV3Key)
                merchant.notifyURL = notifyBase.map { $0 + "/api/v1/payments/notify/wechat-v3" + tenantQuery }
                gateways[.wechat] = WeChatV3Client(http: .shared, base: try address(wechat["base"] as? String ?? "https://api.mch.weixin.qq.com"),
                                                   merchant: merchant)
            } catch let error as PaymentError {
                throw ChainstoreError.validation("WeChat Pay v3 keys: \(error.reason)")
            }
        } else if let wechat = root["wechat"] as? [String: Any] {
            guard let appId = wechat["appid"] as? String, let mchId = wechat["mch_id"] as? String else {
                throw ChainstoreError.validation("wechat needs appid and mch_id")
            }
            var merchant = WeChatMerchant(appId: appId, mchId: mchId, apiKey: try secret(wechat["api_key_file"] as? String)
                .trimmingCharacters(in: .whitespacesAndNewlines), subMchId: wechat["sub_mch_id"] as? String)
            if let type = wechat["sign_type"] as? String {
                guard let parsed = WeChatV2.SignType(rawValue: type) else { throw ChainstoreError.validation("unknown sign_type \(type)") }
                merchant.signType = parsed
            }
            merchant.notifyURL = notifyBase.map { $0 + "/api/v1/payments/notify/wechat" + tenantQuery }
            var http = HTTPClient.shared
            let base = try address(wechat["base"] as? String ?? "https://api.mch.weixin.qq.com")
            // Reverse and refund go to /secapi, which wants the merchant certificate: without it
            // every reversal would fail, and attempts would wait in "reversing" for a human.
            if base.hasPrefix("https"), wechat["client_certificate_file"] == nil {
                throw ChainstoreError.validation("WeChat Pay v2 reverses and refunds with the merchant certificate: name client_certificate_file and client_key_file.")
            }
            if let certificateFile = wechat["client_certificate_file"] as? String {
                http = try Self.clientWithCertificate(certificate: try secret(certificateFile), key: try secret(wechat["client_key_file"] as? String))
            }
            gateways[.wechat] = WeChatV2Client(http: http, base: base, merchant: merchant)
        }
        if let alipay = root["alipay"] as? [String: Any] {
            guard let appId = alipay["app_id"] as? String else { throw ChainstoreError.validation("alipay needs app_id") }
            do {
                var merchant = AlipayMerchant(
                    appId: appId, privateKey: try PaymentKeys.privateKey(try secret(alipay["app_private_key_file"] as? String)),
                    alipayPublicKey: try PaymentKeys.publicKey(try secret(alipay["alipay_public_key_file"] as? String
                        ?? (alipay["alipay_cert_files"] as? [String])?.first)),
                    sellerId: alipay["seller_id"] as? String)
                merchant.notifyURL = notifyBase.map { $0 + "/api/v1/payments/notify/alipay" + tenantQuery }
                if let appCertificate = alipay["app_cert_file"] as? String {
                    // Certificate mode: the SNs sent with every request, Alipay's keys by SN.
                    guard let alipayCertificates = alipay["alipay_cert_files"] as? [String], !alipayCertificates.isEmpty,
                        let root = alipay["alipay_root_cert_file"] as? String
                    else { throw ChainstoreError.validation("alipay certificate mode needs alipay_cert_files and alipay_root_cert_file") }
                    var keys: [String: _RSA.Signing.PublicKey] = [:]
                    for file in alipayCertificates {
                        let certificate = try PaymentKeys.certificate(try secret(file))
                        keys[Alipay.certSN(certificate)] = try PaymentKeys.publicKey(of: certificate)
                    }
                    merchant.certificates = AlipayCertificates(
                        appCertSN: Alipay.certSN(try PaymentKeys.certificate(try secret(appCertificate))), rootCertSN: try Alipay.rootCertSN(try secret(root)),
                        alipayKeys: keys)
                }
                gateways[.alipay] = AlipayClient(http: .shared, gateway: try address(alipay["gateway"] as? String ?? "https://openapi.alipay.com/gateway.do"),
                                                 merchant: merchant)
            } catch let error as PaymentError {
                throw ChainstoreError.validation("Alipay keys: \(error.reason)")
            }
        }
        var settings = PaymentSettings(gateways: gateways)
        /// A duration from the file, within bounds.
        func seconds(_ name: String, _ range: ClosedRange<Double>) throws -> Duration? {
            guard let value = root[name] else { return nil }
            guard let number = (value as? NSNumber)?.doubleValue, number.isFinite, range.contains(number) else {
                throw ChainstoreError.validation("\(name) must be a number of seconds from \(range.lowerBound) to \(range.upperBound)")
            }
            return .milliseconds(Int64(number * 1000))
        }
        if let deadline = try seconds("deadline_seconds", 5...120) { settings.timing.deadline = deadline }
        if let deadline = try seconds("qr_deadline_seconds", 10...900) { settings.timing.qrDeadline = deadline }
        if let lease = try seconds("lease_seconds", 1...600) { settings.timing.lease = lease }
        if let poll = try seconds("poll_seconds", 0.5...30) {
            settings.timing.interval = poll
            settings.timing.firstQuery = poll
        }
        if gateways.isEmpty { throw ChainstoreError.validation("The payments configuration names no channel (wechat, alipay).") }
        return settings
    }

    /// An HTTP client presenting the merchant's certificate (WeChat's `/secapi` calls). One per
    /// certificate for the life of the process.
    static func clientWithCertificate(certificate: String, key: String) throws -> HTTPClient {
        do {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificate.utf8)).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem))
            return certificateClients.withLock { clients in
                if let client = clients[certificate] { return client }
                let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
                clients[certificate] = client
                return client
            }
        } catch {
            throw ChainstoreError.validation("The WeChat Pay client certificate or its key cannot be read (PEM expected).")
        }
    }

    public func flow(_ database: Database, logger: Logger) -> PaymentFlow {
        var flow = PaymentFlow(database: database, gateways: gateways, logger: logger)
        flow.timing = timing
        return flow
    }
}

private let certificateClients = Mutex<[String: HTTPClient]>([:])

/// `chainstore payments reconcile`: one day's bills matched now, printed for finance.
public enum PaymentTools {
    public static func reconcile(_ database: Database, settings path: String, date: String, logger: Logger) async throws -> String {
        let settings = try PaymentSettings.load(path: path)
        var lines: [String] = []
        for (channel, gateway) in settings.gateways.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let summary = try await Reconciliation.run(database, gateway: gateway, date: date, logger: logger)
            let waiting = summary.lines.count - summary.mismatches.count
            lines.append("\(channel.rawValue) \(date): \(summary.matched) matched, \(summary.mismatches.count) mismatches, \(waiting) awaiting the next day's bill"
                + (summary.resolved > 0 ? ", \(summary.resolved) of the day before found" : ""))
            for line in summary.lines {
                lines.append("  \(line.kind.rawValue) \(line.reference)\(line.refundReference.map { " refund " + $0 } ?? ""): "
                    + "channel \(line.channelAmount.map { Money.yuan(fen: $0) } ?? "-"), "
                    + "ours \(line.ourAmount.map { Money.yuan(fen: $0) } ?? "-") (\(line.ourState ?? "no attempt"))")
            }
        }
        return lines.joined(separator: "\n")
    }
}
