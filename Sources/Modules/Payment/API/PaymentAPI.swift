import Barcode
import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import Payments

/// The till's payment calls, beside the scan API and with the same credentials:
/// - `POST /api/v1/payments` `{"order_key", "attempt", "auth_code", "amount" (fen), "subject"}`:
///   takes the payment and answers when it is final (or left to the sweeper): `{"reference",
///   "state", "channel", "amount", "channel_trade_no", "code", "alarm"}`. The same order key and
///   attempt again answers the same attempt; nothing is sent twice.
/// - `GET /api/v1/payments/{reference}`: where an attempt stands.
/// - `POST /api/v1/payments/{reference}/cancel`: the cashier gives up; it is reversed.
/// - `POST /api/v1/payments/qr` `{"order_key", "attempt", "amount", "subject"}`: a WeChat Pay
///   QR order for the customer display; answers at once with `qr_code_url` (state user_paying).
/// - `POST /api/v1/payments/{reference}/refunds` `{"request_key", "amount", "reason"}`: refunds
///   part or all of a paid attempt (group Payments / Refunds); the same request key again
///   answers the same refund. `GET /api/v1/refunds/{reference}`: where a refund stands.
/// - `POST /api/v1/payments/notify/{wechat,wechat-v3,alipay}[?db=]`: the channels' callbacks,
///   with no login: each is believed only once its signature (or encryption) and content check out.
enum PaymentAPI {
    static let endpoints: [Endpoint] = [
        Endpoint(.post, "/api/v1/payments", maxBodyBytes: 8 << 10, handler: pay),
        Endpoint(.get, "/api/v1/payments/{reference}", handler: status),
        Endpoint(.post, "/api/v1/payments/{reference}/cancel", maxBodyBytes: 8 << 10, handler: cancel),
        Endpoint(.post, "/api/v1/payments/qr", maxBodyBytes: 8 << 10, handler: qr),
        Endpoint(.get, "/api/v1/payments/{reference}/qr.svg", handler: qrImage),
        Endpoint(.post, "/api/v1/payments/{reference}/refunds", maxBodyBytes: 8 << 10, handler: refund),
        Endpoint(.get, "/api/v1/refunds/{reference}", handler: refundStatus),
        Endpoint(.post, "/api/v1/payments/notify/wechat", access: .anyone, maxBodyBytes: 64 << 10, handler: Callbacks.wechatV2),
        Endpoint(.post, "/api/v1/payments/notify/wechat-v3", access: .anyone, maxBodyBytes: 64 << 10, handler: Callbacks.wechatV3),
        Endpoint(.post, "/api/v1/payments/notify/alipay", access: .anyone, maxBodyBytes: 64 << 10, handler: Callbacks.alipay),
    ]

    static func pay(_ request: EndpointRequest) async throws -> EndpointResponse {
        let fields = try request.jsonObject()
        guard let orderKey = fields["order_key"]?.stringValue, let attempt = fields["attempt"]?.intValue, let authCode = fields["auth_code"]?.stringValue,
            let amount = fields["amount"]?.intValue
        else { throw ChainstoreError.valueError("order_key, attempt, auth_code and amount (integer fen) are required") }
        let (flow, env) = try await caller(request)
        let subject = fields["subject"]?.stringValue ?? "Chainstore"
        return .json(try await flow.pay(env: env, orderKey: orderKey, attempt: Int(attempt), authCode: authCode, amount: amount, subject: subject,
                                        company: env.companyId).value)
    }

    static func qr(_ request: EndpointRequest) async throws -> EndpointResponse {
        let fields = try request.jsonObject()
        guard let orderKey = fields["order_key"]?.stringValue, let attempt = fields["attempt"]?.intValue, let amount = fields["amount"]?.intValue else {
            throw ChainstoreError.valueError("order_key, attempt and amount (integer fen) are required")
        }
        let (flow, env) = try await caller(request)
        return .json(try await flow.startQR(env: env, orderKey: orderKey, attempt: Int(attempt), amount: amount,
                                            subject: fields["subject"]?.stringValue ?? "Chainstore", company: env.companyId).value)
    }

    /// The QR code of a QR attempt as SVG, for the customer display.
    static func qrImage(_ request: EndpointRequest) async throws -> EndpointResponse {
        let (_, _, attempt) = try await visibleAttempt(request)
        guard let url = attempt.qrCodeURL else { throw ChainstoreError.missing("Payment attempt \(attempt.reference) has no QR code.") }
        let code: QRCode
        do { code = try QRCode.encode(url, correction: .medium) } catch { throw ChainstoreError.valueError("The channel's QR code cannot be drawn: \(error)") }
        return EndpointResponse(status: 200, headers: [
            ("Content-Type", "image/svg+xml"), ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
        ], body: Array(code.svg(moduleSize: 8, quietZone: 4).utf8))
    }

    static func refund(_ request: EndpointRequest) async throws -> EndpointResponse {
        let fields = try request.jsonObject()
        let (flow, env, attempt) = try await visibleAttempt(request)
        guard env.hasGroup("payment.group_payment_refund") || env.hasGroup("base.group_system") else {
            throw ChainstoreError(.accessError, "Refunds need the Payments / Refunds right.")
        }
        guard let key = fields["request_key"]?.stringValue, let amount = fields["amount"]?.intValue else {
            throw ChainstoreError.valueError("request_key and amount (integer fen) are required")
        }
        return .json(try await flow.refund(env: env, paymentReference: attempt.reference, requestKey: key, amount: amount,
                                           reason: fields["reason"]?.stringValue ?? "").value)
    }

    static func refundStatus(_ request: EndpointRequest) async throws -> EndpointResponse {
        let (flow, env) = try await caller(request)
        let reference = request.parameters["reference"] ?? ""
        let logger = request.client.logger
        guard let refund = try await flow.database.transaction(logger: logger, { tx in try await PaymentFlow.loadRefund(tx, reference: reference) })
        else { throw ChainstoreError.missing("No refund \(reference).") }
        let attempt = try await flow.database.transaction(logger: logger) { tx in try await PaymentFlow.load(tx, reference: refund.paymentReference) }
        try await visible(attempt, env: env, flow: flow, logger: logger)
        return .json(refund.value)
    }

    static func status(_ request: EndpointRequest) async throws -> EndpointResponse {
        .json(try await visibleAttempt(request).2.value)
    }

    static func cancel(_ request: EndpointRequest) async throws -> EndpointResponse {
        let (flow, env, attempt) = try await visibleAttempt(request)
        return .json(try await flow.cancel(env: env, reference: attempt.reference).value)
    }

    /// The attempt named in the path, if the caller's companies reach it.
    static func visibleAttempt(_ request: EndpointRequest) async throws -> (PaymentFlow, Env, PaymentFlow.Attempt) {
        let reference = request.parameters["reference"] ?? ""
        let (flow, env) = try await caller(request)
        let logger = request.client.logger
        let attempt = try await flow.database.transaction(logger: logger) { tx in try await PaymentFlow.load(tx, reference: reference) }
        try await visible(attempt, env: env, flow: flow, logger: logger)
        return (flow, env, attempt)
    }

    /// The payment flow of the caller's database and the caller, verified in a short call of its
    /// own: the payment itself must not hold a connection while the channel is waited for.
    static func caller(_ request: EndpointRequest) async throws -> (PaymentFlow, Env) {
        let caller = try request.signedIn()
        guard let flow = request.node.state(PaymentChannels.self)?.flow(caller.database, logger: request.client.logger) else {
            throw ChainstoreError(.userError, "Payments are not configured for database \(caller.database.name) on this node (serve --payments FILE).")
        }
        return (flow, try await caller.environment())
    }

    /// An attempt is seen only by users of its company or above it.
    static func visible(_ attempt: PaymentFlow.Attempt, env: Env, flow: PaymentFlow, logger: Logger) async throws {
        let reachable = try await flow.database.transaction(logger: logger) { tx in
            try await tx.query("""
                SELECT EXISTS (SELECT 1 FROM payment_transaction t JOIN res_company c ON c.id = t.company_id
                JOIN res_company r ON c.parent_path LIKE r.parent_path || '%' WHERE t.id = \(attempt.id) AND r.id = ANY(\(env.allowedCompanyIds)))
                """)[0].decode(Bool.self)
        }
        guard reachable else { throw ChainstoreError.missing("No payment attempt \(attempt.reference).") }
    }
}

/// The node's payment channels: the merchant accounts of each tenant database that takes
/// payments (`serve --payments FILE`).
public struct PaymentChannels: Sendable {
    public let settings: [String: PaymentSettings]

    public init(settings: [String: PaymentSettings]) { self.settings = settings }

    /// The flow that takes payments for `database`, or nil when it has no merchant accounts here.
    public func flow(_ database: Database, logger: Logger) -> PaymentFlow? {
        settings[database.name].map { $0.flow(database, logger: logger) }
    }
}
