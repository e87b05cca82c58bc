import Foundation

/// `chainstore codec payments CASES.json`: answers a file of signing, verification and
/// decryption cases (payments.md §6) — for support staff chasing a signature mismatch, and for
/// the conformance tests. Top-level members are defaults for every case; paths are relative to
/// the file. One bad case answers `error: true` with the reason; the others are still answered.
public enum PaymentsBatch {
    public static func run(file: URL) throws -> String {
        let data = try Data(contentsOf: file)
        guard let document = try JSONSerialization.jsonObject(with: data) as? [String: Any], let cases = document["cases"] as? [[String: Any]] else {
            throw PaymentError("the file must be a JSON object with a \"cases\" array")
        }
        let folder = file.deletingLastPathComponent()
        let shared = document.filter { $0.key != "cases" }
        var results: [[String: Any]] = []
        for item in cases {
            let merged = shared.merging(item) { _, own in own }
            var result: [String: Any] = ["id": item["id"] ?? NSNull()]
            do {
                try Case(fields: merged, folder: folder).answer(into: &result)
            } catch {
                result["error"] = true
                result["reason"] = "\(error)"
            }
            results.append(result)
        }
        let output: [String: Any] = ["implementation": "chainstore Payments", "results": results]
        let json = try JSONSerialization.data(withJSONObject: output, options: [.withoutEscapingSlashes, .sortedKeys])
        return String(decoding: json, as: UTF8.self)
    }

    struct Case {
        let fields: [String: Any]
        let folder: URL

        func string(_ name: String) throws(PaymentError) -> String {
            if let text = fields[name] as? String { return text }
            if let number = fields[name] as? NSNumber { return number.stringValue }
            throw PaymentError("\(name) is required")
        }

        func file(_ name: String) throws(PaymentError) -> String {
            let path = try string(name)
            let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw PaymentError("cannot read \(path)") }
            return text
        }

        func dictionary(_ name: String) throws(PaymentError) -> [String: String] {
            guard let object = fields[name] as? [String: Any] else { throw PaymentError("\(name) must be an object") }
            return object.mapValues { value in (value as? String) ?? (value as? NSNumber)?.stringValue ?? "\(value)" }
        }

        /// The parameters in their given order (JSON objects keep it in the file).
        func orderedParams(_ name: String) throws(PaymentError) -> [(String, String)] {
            let params = try dictionary(name)
            return params.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }

        var now: Int64 {
            if let number = fields["now"] as? NSNumber { return number.int64Value }
            return Int64(Date().timeIntervalSince1970)
        }

        func answer(into result: inout [String: Any]) throws {
            let kind = try string("kind")
            switch kind {
            case "sign":
                let type = try signType("sign_type")
                let params = try orderedParams("params")
                let key = try string("api_key")
                result["string_to_sign"] = WeChatV2.stringToSign(params, apiKey: key)
                result["sign"] = WeChatV2.sign(params, apiKey: key, type: type)
            case "verify_response" where fields["response_xml"] != nil:
                let type = try signType("sign_type_of_request")
                result["valid"] = WeChatV2.verify(try FlatXML.parse(try string("response_xml")), apiKey: try string("api_key"), type: type)
            case "refund_notify_decrypt":
                let notify = try FlatXML.parse(try string("notify_xml"))
                guard let info = notify.first(where: { $0.0 == "req_info" })?.1 else { throw PaymentError("the notification has no req_info") }
                let plaintext = try WeChatV2.decryptRefundInfo(info, apiKey: try string("api_key"))
                result["plaintext"] = plaintext
                result["fields"] = Dictionary(try FlatXML.parse(plaintext), uniquingKeysWith: { a, _ in a })
            case "authorization":
                let auth = try WeChatV3.authorization(
                    mchid: try string("mchid"), serialNo: try string("serial_no"),
                    key: try PaymentKeys.privateKey(try file(fields["private_key_file"] != nil ? "private_key_file" : "merchant_private_key_file")),
                    method: try string("method"), urlPathWithQuery: try string("url_path_with_query"), timestamp: try string("timestamp"),
                    nonce: try string("nonce_str"), body: (fields["body"] as? String) ?? "")
                result["authorization"] = auth.header
                result["message"] = auth.message
                result["signature"] = auth.signature
            case "verify_response" where fields["headers"] != nil:
                try base64(try dictionary("headers").first { $0.key.lowercased() == "wechatpay-signature" }?.value, allowProbe: true)
                let verdict = WeChatV3.verify(headers: try dictionary("headers"), body: (fields["body"] as? String) ?? "", keys: try platformKeys(), now: now)
                result["valid"] = verdict.valid
                result["fresh"] = verdict.fresh
                if let reason = verdict.reason { result["reason"] = reason }
            case "decrypt_callback":
                do {
                    result["plaintext"] = try WeChatV3.openCallback(headers: try dictionary("headers"), body: try string("body"), keys: try platformKeys(),
                                                                    apiV3Key: try string("apiv3_key"), now: now)
                    result["error"] = false
                } catch {
                    result["error"] = true
                    result["reason"] = error.reason
                }
            case "sign_request":
                let params = try dictionary("params")
                let key = try PaymentKeys.privateKey(try file(fields["private_key_file"] != nil ? "private_key_file" : "app_private_key_file"))
                let sign = try Alipay.sign(params, key: key)
                result["string_to_sign"] = Alipay.stringToSign(params)
                result["sign"] = sign
                result["query_string"] = Alipay.queryString(params, sign: sign)
            case "verify_response" where fields["raw_response"] != nil:
                let key = try PaymentKeys.publicKey(try file(fields["public_key_file"] != nil ? "public_key_file" : "alipay_public_key_file"))
                let raw = try string("raw_response")
                try base64(((try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any])?["sign"] as? String, allowProbe: false)
                let verdict = Alipay.verifyResponse(raw, method: try string("method"), key: key)
                result["valid"] = verdict.valid
                result["signed_content"] = verdict.signedContent ?? NSNull()
                if let reason = verdict.reason { result["reason"] = reason }
            case "verify_notify":
                let key = try PaymentKeys.publicKey(try file(fields["public_key_file"] != nil ? "public_key_file" : "alipay_public_key_file"))
                let form = fields["form"] != nil ? try dictionary("form") : Alipay.formFields(try string("raw_body"))
                try base64(form["sign"], allowProbe: false)
                result["string_to_verify"] = Alipay.notifyStringToVerify(form)
                result["valid"] = Alipay.verifyNotify(form, key: key)
            case "cert_sn":
                result["cert_sn"] = Alipay.certSN(try PaymentKeys.certificate(try file("cert_file")))
            case "root_cert_sn":
                result["root_cert_sn"] = try Alipay.rootCertSN(try file("cert_file"))
            default:
                throw PaymentError("unknown kind \(kind)")
            }
        }

        /// MD5 (the default) or HMAC-SHA256; anything else is an error, never a silent MD5.
        func signType(_ name: String) throws(PaymentError) -> WeChatV2.SignType {
            guard let given = fields[name] as? String else { return .md5 }
            guard let type = WeChatV2.SignType(rawValue: given) else { throw PaymentError("unknown signature algorithm \(given)") }
            return type
        }

        /// A signature that is not base64 is a malformed case, not merely an invalid signature
        /// (WeChat's `WECHATPAY/SIGNTEST/` probes are answered as invalid).
        func base64(_ signature: String?, allowProbe: Bool) throws(PaymentError) {
            guard let signature else { return }
            if allowProbe, signature.hasPrefix("WECHATPAY/SIGNTEST/") { return }
            guard Data(base64Encoded: signature) != nil else { throw PaymentError("the signature is not base64") }
        }

        /// The WeChat Pay public key (by id) and the platform certificate (by serial) of the file.
        func platformKeys() throws(PaymentError) -> WeChatV3.PlatformKeys {
            var keys = WeChatV3.PlatformKeys()
            if fields["platform_public_key_file"] != nil {
                keys.add(id: try string("platform_public_key_id"), key: try PaymentKeys.publicKey(try file("platform_public_key_file")))
            }
            if fields["platform_certificate_file"] != nil {
                let certificate = try PaymentKeys.certificate(try file("platform_certificate_file"))
                keys.add(id: PaymentKeys.serialHex(certificate), key: try PaymentKeys.publicKey(of: certificate))
            }
            return keys
        }
    }
}
