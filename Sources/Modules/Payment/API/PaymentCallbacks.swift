import ChainstoreCore
import ChainstoreDB
import Foundation
import Payments

extension PaymentAPI {
    /// The channels' callbacks, answered in each channel's own format. A message is read (at
    /// most 64 KiB), authenticated, then applied; one that fails is answered as a failure, logged
    /// with the reason, and changes nothing; one already taken is acknowledged again. The tenant
    /// is the node's database unless the address names another (`?db=`).
    enum Callbacks {
        static func wechatV2(_ request: EndpointRequest) async throws -> EndpointResponse {
            await notify(request, channel: .wechat, open: { flow, body, _ throws(PaymentError) in
                guard let client = flow.gateways[.wechat] as? WeChatV2Client else { return nil }
                return try Notices.wechatV2Refund(body: body, merchant: client.merchant)
            }, answer: { ok, reason in
                .text(FlatXML.build(ok ? [("return_code", "SUCCESS"), ("return_msg", "OK")] : [("return_code", "FAIL"), ("return_msg", reason)]),
                      status: ok ? 200 : 400, contentType: "text/xml; charset=utf-8")
            })
        }

        static func wechatV3(_ request: EndpointRequest) async throws -> EndpointResponse {
            await notify(request, channel: .wechat, open: { flow, body, headers throws(PaymentError) in
                guard let client = flow.gateways[.wechat] as? WeChatV3Client else { return nil }
                return try Notices.wechatV3(headers: headers, body: body, merchant: client.merchant, now: Int64(Date().timeIntervalSince1970))
            }, answer: { ok, reason in
                ok ? EndpointResponse(status: 204) : .json(.dict(["code": "FAIL", "message": .string(reason)]), status: 400)
            })
        }

        static func alipay(_ request: EndpointRequest) async throws -> EndpointResponse {
            await notify(request, channel: .alipay, open: { flow, body, _ throws(PaymentError) in
                guard let client = flow.gateways[.alipay] as? AlipayClient else { return nil }
                return try Notices.alipay(form: body, merchant: client.merchant)
            }, answer: { ok, _ in .text(ok ? "success" : "fail", status: ok ? 200 : 400) })
        }

        static func notify(
            _ request: EndpointRequest, channel: PaymentChannel,
            open: (PaymentFlow, String, [String: String]) throws(PaymentError) -> ChannelNotice?,
            answer: (Bool, String) -> EndpointResponse
        ) async -> EndpointResponse {
            let logger = request.client.logger
            guard let database = try? await request.node.databases.database(named: request.query["db"] ?? request.node.main.name, host: nil),
                let flow = request.node.state(PaymentChannels.self)?.flow(database, logger: logger)
            else { return answer(false, "payments are not configured here") }
            let text = String(decoding: request.body, as: UTF8.self)
            do {
                guard let notice = try open(flow, text, request.headers) else { return answer(false, "this channel is not configured for these callbacks") }
                switch try await flow.receive(notice, channel: channel) {
                case .applied, .duplicate: return answer(true, "")
                case .rejected(let reason): return answer(false, reason)
                }
            } catch let error as PaymentError {
                logger.error("payment callback refused", metadata: ["channel": "\(channel.rawValue)", "reason": "\(error.reason)",
                                                                    "bytes": "\(text.utf8.count)"])
                return answer(false, error.reason)
            } catch {
                logger.error("payment callback not applied", metadata: ["channel": "\(channel.rawValue)", "error": "\(error)"])
                return .text("try again", status: 500)
            }
        }
    }
}
