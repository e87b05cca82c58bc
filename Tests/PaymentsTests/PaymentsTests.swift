import Crypto
import Foundation
import Payments
import Testing
import _CryptoExtras

@Suite("Payment protocols: amounts, routing, signatures, XML, decryption")
struct PaymentsTests {
    @Test func amountsAreIntegersOfFen() {
        #expect(Money.yuan(fen: 1250) == "12.50")
        #expect(Money.yuan(fen: 5) == "0.05")
        #expect(Money.yuan(fen: 100) == "1.00")
        #expect(Money.fen(yuan: "12.50") == 1250)
        #expect(Money.fen(yuan: "12.5") == 1250)
        #expect(Money.fen(yuan: "0.05") == 5)
        for bad in ["12.505", "-1.00", "1e3", " 1.00", "1.", ".5", "", "100000000.01", "１２"] { #expect(Money.fen(yuan: bad) == nil, "\(bad)") }
    }

    @Test func paymentCodesAreRoutedByPrefixAndLength() {
        #expect(PaymentChannel.route(authCode: "134567890123456789") == .wechat)
        #expect(PaymentChannel.route(authCode: "287951669891795468") == .alipay)
        #expect(PaymentChannel.route(authCode: "2879516698917954") == .alipay)
        #expect(PaymentChannel.route(authCode: "6221234567890123456") == nil)  // UnionPay
        #expect(PaymentChannel.route(authCode: "16456789012345678") == nil)  // 17 digits
        #expect(PaymentChannel.route(authCode: "13456789012345678a") == nil)
        #expect(PaymentChannel.masked("134567890123456789") == "**************6789")
    }

    @Test func weChatV2SignsLikeTheSpecExample() {
        let params: [(String, String)] = [
            ("appid", "wx8888888888888888"), ("mch_id", "1900000109"), ("device_info", "STORE0001-POS03"),
            ("nonce_str", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"), ("body", "全家便利-上海徐汇店-饮料"), ("out_trade_no", "S0001P03202406011230450001"),
            ("total_fee", "1250"), ("spbill_create_ip", "10.8.3.21"), ("auth_code", "134567890123456789"), ("attach", ""),
        ]
        #expect(WeChatV2.sign(params, apiKey: "Q3fT9kLm2Xv8Rz1NpW6yBc4HsJd7Ae0G", type: .md5) == "4FC27431760BC75128F6892C400BC1DD")
        let xml = WeChatV2.request(params, apiKey: "Q3fT9kLm2Xv8Rz1NpW6yBc4HsJd7Ae0G", type: .hmacSHA256)
        let back = try? FlatXML.parse(xml)
        #expect(back.map { WeChatV2.verify($0, apiKey: "Q3fT9kLm2Xv8Rz1NpW6yBc4HsJd7Ae0G", type: .hmacSHA256) } == true)
        var tampered = back ?? []
        tampered[6].1 = "1"
        #expect(!WeChatV2.verify(tampered, apiKey: "Q3fT9kLm2Xv8Rz1NpW6yBc4HsJd7Ae0G", type: .hmacSHA256))
        #expect(!WeChatV2.verify(back ?? [], apiKey: "Q3fT9kLm2Xv8Rz1NpW6yBc4HsJd7Ae0G", type: .md5))
    }

    @Test func flatXMLRefusesWhatCouldHurt() throws {
        #expect(try FlatXML.parse("<xml><a><![CDATA[x]]]]><![CDATA[>y]]></a><b>1 &amp; 2</b></xml>").map(\.1) == ["x]]>y", "1 & 2"])
        for hostile in [
            "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><a>&e;</a></xml>", "<xml><a><b>1</b></a></xml>",
            "<xml><a>1</b></xml>", "<xml><a x=\"1\">1</a></xml>", "<xml><a>&e;</a></xml>", "<xml><a>1</a>", "<xml></xml>trailing",
        ] {
            #expect(throws: PaymentError.self) { try FlatXML.parse(hostile) }
        }
    }

    @Test func weChatV3SignsVerifiesAndDecrypts() throws {
        let merchant = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let platform = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let auth = try WeChatV3.authorization(mchid: "1900000109", serialNo: "ABC", key: merchant, method: "get",
                                              urlPathWithQuery: "/v3/pay/transactions/out-trade-no/S1?mchid=1900000109", timestamp: "1717216245",
                                              nonce: "N1", body: "")
        #expect(auth.message == "GET\n/v3/pay/transactions/out-trade-no/S1?mchid=1900000109\n1717216245\nN1\n\n")
        #expect(PaymentKeys.verify(auth.message, signature: auth.signature, with: merchant.publicKey))
        #expect(auth.header.hasPrefix("WECHATPAY2-SHA256-RSA2048 mchid=\"1900000109\",nonce_str=\"N1\",signature=\""))

        var keys = WeChatV3.PlatformKeys()
        keys.add(id: "PUB_KEY_ID_1", key: platform.publicKey)
        let body = "{\"trade_state\":\"SUCCESS\"}"
        let signature = try PaymentKeys.sign("1717216250\nabc\n\(body)\n", with: platform)
        var headers = ["Wechatpay-Timestamp": "1717216250", "Wechatpay-Nonce": "abc", "Wechatpay-Signature": signature, "Wechatpay-Serial": "PUB_KEY_ID_1"]
        #expect(WeChatV3.verify(headers: headers, body: body, keys: keys, now: 1717216260).accepted)
        #expect(!WeChatV3.verify(headers: headers, body: body + " ", keys: keys, now: 1717216260).valid)
        #expect(!WeChatV3.verify(headers: headers, body: body, keys: keys, now: 1717216250 + 301).fresh)
        headers["Wechatpay-Serial"] = "PUB_KEY_ID_2"
        #expect(!WeChatV3.verify(headers: headers, body: body, keys: keys, now: 1717216260).valid)
        headers["Wechatpay-Serial"] = "PUB_KEY_ID_1"
        headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + signature
        #expect(!WeChatV3.verify(headers: headers, body: body, keys: keys, now: 1717216260).valid)

        let key = "a7Kd93LmQx02ZpTr6WvB1NcY4HsJe8Fu"
        let sealed = try AES.GCM.seal(Data("{\"out_trade_no\":\"S1\"}".utf8), using: SymmetricKey(data: Data(key.utf8)),
                                      nonce: AES.GCM.Nonce(data: Data("0123456789ab".utf8)), authenticating: Data("transaction".utf8))
        let ciphertext = (sealed.ciphertext + sealed.tag).base64EncodedString()
        #expect(try WeChatV3.decrypt(ciphertext: ciphertext, nonce: "0123456789ab", associatedData: "transaction", apiV3Key: key) == "{\"out_trade_no\":\"S1\"}")
        #expect(throws: PaymentError.self) {
            try WeChatV3.decrypt(ciphertext: ciphertext, nonce: "0123456789ab", associatedData: "refund", apiV3Key: key)
        }
    }

    @Test func alipayVerifiesTheExactNodeText() throws {
        let platform = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let node = "{\"code\":\"10000\",\"msg\":\"Success\",\"note\":\"a } brace and \\\" quote \\u5168\",\"list\":[{\"x\":1}]}"
        let sign = try PaymentKeys.sign(node, with: platform)
        let raw = "{\"sign\":\"\(sign)\", \"alipay_trade_pay_response\" : \(node)}"
        let verdict = Alipay.verifyResponse(raw, method: "alipay.trade.pay", key: platform.publicKey)
        #expect(verdict.valid)
        #expect(verdict.signedContent == node)
        #expect(!Alipay.verifyResponse(raw.replacingOccurrences(of: "10000", with: "10001"), method: "alipay.trade.pay", key: platform.publicKey).valid)
        #expect(!Alipay.verifyResponse(raw, method: "alipay.trade.query", key: platform.publicKey).valid)
        #expect(Alipay.stringToSign(["b": "2", "a": "1", "sign": "x", "empty": "", "sign_type": "RSA2"]) == "a=1&b=2&sign_type=RSA2")
        #expect(Alipay.notifyStringToVerify(["b": "2", "a": "1", "sign": "x", "sign_type": "RSA2"]) == "a=1&b=2")
        #expect(Alipay.queryString(["z": "1", "biz_content": "{\"a\":\"b c+/\"}"], sign: "a+b/c=") == "biz_content=%7B%22a%22%3A%22b+c%2B%2F%22%7D&z=1&sign=a%2Bb%2Fc%3D")
    }
}
