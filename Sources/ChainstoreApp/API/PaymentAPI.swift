import Barcode
import Base
import ChainstoreCore
import ChainstoreDB
import ChainstoreServer
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Payment
import Payments
import ServiceLifecycle

/// The till's payment calls, beside the scan API and with the same HTTP Basic credentials:
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
/// - `POST /api/v1/payments/notify/{wechat,wechat-v3,alipay}`: the channels' callbacks, with
///   no login: each is believed only once its signature (or encryption) and content check out.
struct PaymentAPI: Sendable {
    let store: StoreAPI
    let flow: PaymentFlow?

    func pay(_ request: Request, _ context: ChainstoreRequestContext) async throws -> Response {
        guard let flow else { throw ChainstoreError(.userError, "Payments are not configured on this node (serve --payments FILE).") }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: 8 * 1024) } catch { throw ChainstoreError.valueError("A payment is at most 8 KiB of JSON") }
        guard let fields = (try? JSONReader.parse(Array(buffer: body)))?.dictValue else { throw ChainstoreError.valueError("The body must be a JSON object") }
        guard let orderKey = fields["order_key"]?.stringValue, let attempt = fields["attempt"]?.intValue, let authCode = fields["auth_code"]?.stringValue,
            let amount = fields["amount"]?.intValue
        else { throw ChainstoreError.valueError("order_key, attempt, auth_code and amount (integer fen) are required") }
        let env = try await caller(request, context)
        let subject = fields["subject"]?.stringValue ?? "Chainstore"
        let attemptValue = try await flow.pay(env: env, orderKey: orderKey, attempt: Int(attempt), authCode: authCode, amount: amount, subject: subject,
                                              company: env.companyId)
        return Self.answer(attemptValue)
    }

    func qr(_ request: Request, _ context: ChainstoreRequestContext) async throws -> Response {
        guard let flow else { throw ChainstoreError(.userError, "Payments are not configured on this node (serve --payments FILE).") }
        let fields = try await Self.object(request)
        guard let orderKey = fields["order_key"]?.stringValue, let attempt = fields["attempt"]?.intValue, let amount = fields["amount"]?.intValue else {
            throw ChainstoreError.valueError("order_key, attempt and amount (integer fen) are required")
        }
        let env = try await caller(request, context)
        return Self.answer(try await flow.startQR(env: env, orderKey: orderKey, attempt: Int(attempt), amount: amount,
                                                  subject: fields["subject"]?.stringValue ?? "Chainstore", company: env.companyId))
    }

    /// The QR code of a QR attempt as SVG, for the customer display.
    func qrImage(_ request: Request, _ context: ChainstoreRequestContext) async throws -> Response {
        let (_, _, attempt) = try await visibleAttempt(request, context)
        guard let url = attempt.qrCodeURL else { throw ChainstoreError.missing("Payment attempt \(attempt.reference) has no QR code.") }
        let code: QRCode
        do { code = try QRCode.encode(url, correction: .medium) } catch { throw ChainstoreError.valueError("The channel's QR code cannot be drawn: \(error)") }
        var headers: HTTPFields = [.contentType: "image/svg+xml", .cacheControl: "no-store"]
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'none'; style-src 'unsafe-inline'"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: code.svg(moduleSize: 8, quietZone: 4))))
    }

    func refund(_ request: Request, _ context: ChainstoreRequestContext) async throws -> Response {
        let fields = try await Self.object(request)
        let (flow, env, attempt) = try await visibleAttempt(request, context)
        guard env.hasGroup("payment.group_payment_refund") || env.hasGroup("base.group_system") else {
            throw ChainstoreError(.accessError, "Refunds need the Payments / Refunds right.")
        }
        guard let key = fields["request_key"]?.stringValue, let amount = fields["amount"]?.intValue else {
            throw ChainstoreError.valueError("request_key and amount (integer fen) are required")
        }
        let refund = try await flow.refund(env: env, paymentReference: attempt.reference, requestKey: key, amount: amount,
                                           reason: fields["reason"]?.stringValue ?? "")
        return Self.json(refund.value)
    }

    func refundStatus(_ request: Request, _ context: ChainstoreRequestContext) async throws -> Response {
        guard let flow else { throw ChainstoreError(.userError, "Payments are not configured on this node.") }
        let env = try await caller(request, context)
        let reference = context.parameters.get("reference") ?? ""
        guard let refund = try await flow.database.transaction(logger: context.logger, { tx in try await PaymentFlow.loadRefund(tx, reference: reference) })
        else { throw ChainstoreError.missing("No refund \(reference).") }
        let attempt = try await flow.database.transaction(logger: context.logger) { tx in try await PaymentFlow.load(tx, reference: refund.paymentReference) }
        try await visible(attempt, env: env, flow: flow, logger: context.logger)
        return Self.json(refund.value)
    }

    static func object(_ request: Request) async throws -> [String: Value] {
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: 8 * 1024) } catch { throw ChainstoreError.valueError("A request is at most 8 KiB of JSON") }
        guard let fields = (try? JSONReader.parse(Array(buffer: body)))?.dictValue else { throw ChainstoreError.valueError("The body must be a JSON object") }
        return Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    func status(_ request: Request, _ context: ChainstoreRequestContext) async throws -> Response {
        Self.answer(try await visibleAttempt(request, context).2)
    }

    func cancel(_ request: Request, _ context: ChainstoreRequestContext) async throws -> Response {
        let (flow, env, attempt) = try await visibleAttempt(request, context)
        return Self.answer(try await flow.cancel(env: env, reference: attempt.reference))
    }

    /// The attempt named in the path, if the caller's companies reach it.
    func visibleAttempt(_ request: Request, _ context: ChainstoreRequestContext) async throws -> (PaymentFlow, Env, PaymentFlow.Attempt) {
        guard let flow else { throw ChainstoreError(.userError, "Payments are not configured on this node.") }
        let reference = context.parameters.get("reference") ?? ""
        let env = try await caller(request, context)
        let attempt = try await flow.database.transaction(logger: context.logger) { tx in try await PaymentFlow.load(tx, reference: reference) }
        try await visible(attempt, env: env, flow: flow, logger: context.logger)
        return (flow, env, attempt)
    }

    /// The caller, verified in a short call: the payment itself must not hold a connection.
    /// Payments live in the database the node was configured with; a caller of another
    /// database (`?db=`) is refused rather than let its ids be read against this one's.
    func caller(_ request: Request, _ context: ChainstoreRequestContext) async throws -> Env {
        let credentials = try await store.credentials(request)
        if let flow, credentials.database.name != flow.database.name {
            throw ChainstoreError(.accessError, "Payments on this node are taken in database \(flow.database.name) only.")
        }
        return try await store.asCaller(credentials, context) { store, _ in store.env }
    }

    /// An attempt is seen only by users of its company or above it.
    func visible(_ attempt: PaymentFlow.Attempt, env: Env, flow: PaymentFlow, logger: Logger) async throws {
        let reachable = try await flow.database.transaction(logger: logger) { tx in
            var sql = SQLBuilder("SELECT EXISTS (SELECT 1 FROM payment_transaction t JOIN res_company c ON c.id = t.company_id ")
            sql += "JOIN res_company r ON c.parent_path LIKE r.parent_path || '%' WHERE t.id = "
            sql.bind(.int(attempt.id))
            sql += " AND r.id = ANY("
            sql.bind(.intArray(env.allowedCompanyIds), cast: "bigint[]")
            sql += "))"
            return try await tx.query(sql)[0].decode(Bool.self)
        }
        guard reachable else { throw ChainstoreError.missing("No payment attempt \(attempt.reference).") }
    }

    static func answer(_ attempt: PaymentFlow.Attempt) -> Response { json(attempt.value) }

    static func json(_ value: Value) -> Response {
        var json = JSONWriter(capacity: 256)
        json.value(value)
        return StoreAPI.json(json.text)
    }

    // MARK: - Callbacks

    /// One channel callback: read (at most 64 KiB), authenticated by `open`, then applied. A
    /// message that fails is answered as a failure and logged with the reason, and changes
    /// nothing; one already taken is acknowledged again.
    func notify(_ request: Request, _ context: ChainstoreRequestContext, channel: PaymentChannel,
                open: (PaymentFlow, String, [String: String]) throws(PaymentError) -> ChannelNotice?,
                answer: (Bool, String) -> Response) async -> Response {
        guard let flow else { return answer(false, "payments are not configured here") }
        guard let body = try? await request.body.collect(upTo: 64 * 1024) else { return answer(false, "too large") }
        let text = String(decoding: body.readableBytesView, as: UTF8.self)
        let headers = Dictionary(request.headers.map { ($0.name.canonicalName, $0.value) }, uniquingKeysWith: { a, _ in a })
        do {
            guard let notice = try open(flow, text, headers) else { return answer(false, "this channel is not configured for these callbacks") }
            let outcome = try await flow.receive(notice, channel: channel)
            switch outcome {
            case .applied, .duplicate: return answer(true, "")
            case .rejected(let reason): return answer(false, reason)
            }
        } catch let error as PaymentError {
            context.logger.error("payment callback refused", metadata: ["channel": "\(channel.rawValue)", "reason": "\(error.reason)",
                                                                         "bytes": "\(text.utf8.count)"])
            return answer(false, error.reason)
        } catch {
            context.logger.error("payment callback not applied", metadata: ["channel": "\(channel.rawValue)", "error": "\(error)"])
            return Self.plain(.internalServerError, "try again")
        }
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String, type: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func notifyWeChatV2(_ request: Request, _ context: ChainstoreRequestContext) async -> Response {
        await notify(request, context, channel: .wechat, open: { flow, body, _ throws(PaymentError) in
            guard let client = flow.gateways[.wechat] as? WeChatV2Client else { return nil }
            return try Notices.wechatV2Refund(body: body, merchant: client.merchant)
        }, answer: { ok, reason in
            Self.plain(ok ? .ok : .badRequest, FlatXML.build(ok ? [("return_code", "SUCCESS"), ("return_msg", "OK")] : [("return_code", "FAIL"), ("return_msg", reason)]),
                       type: "text/xml; charset=utf-8")
        })
    }

    func notifyWeChatV3(_ request: Request, _ context: ChainstoreRequestContext) async -> Response {
        await notify(request, context, channel: .wechat, open: { flow, body, headers throws(PaymentError) in
            guard let client = flow.gateways[.wechat] as? WeChatV3Client else { return nil }
            return try Notices.wechatV3(headers: headers, body: body, merchant: client.merchant, now: Int64(Date().timeIntervalSince1970))
        }, answer: { ok, reason in
            guard !ok else { return Response(status: .noContent) }
            var json = JSONWriter(capacity: 128)
            json.value(.dict(["code": "FAIL", "message": .string(reason)]))
            return StoreAPI.json(json.text, status: .badRequest)
        })
    }

    func notifyAlipay(_ request: Request, _ context: ChainstoreRequestContext) async -> Response {
        await notify(request, context, channel: .alipay, open: { flow, body, _ throws(PaymentError) in
            guard let client = flow.gateways[.alipay] as? AlipayClient else { return nil }
            return try Notices.alipay(form: body, merchant: client.merchant)
        }, answer: { ok, _ in Self.plain(ok ? .ok : .badRequest, ok ? "success" : "fail") })
    }
}

extension Router where Context == ChainstoreRequestContext {
    func addPaymentRoutes(_ api: PaymentAPI) {
        post("/api/v1/payments") { request, context in
            do { return try await api.pay(request, context) } catch { return StoreAPI.failure(error) }
        }
        get("/api/v1/payments/{reference}") { request, context in
            do { return try await api.status(request, context) } catch { return StoreAPI.failure(error) }
        }
        post("/api/v1/payments/{reference}/cancel") { request, context in
            do { return try await api.cancel(request, context) } catch { return StoreAPI.failure(error) }
        }
        post("/api/v1/payments/qr") { request, context in
            do { return try await api.qr(request, context) } catch { return StoreAPI.failure(error) }
        }
        get("/api/v1/payments/{reference}/qr.svg") { request, context in
            do { return try await api.qrImage(request, context) } catch { return StoreAPI.failure(error) }
        }
        post("/api/v1/payments/{reference}/refunds") { request, context in
            do { return try await api.refund(request, context) } catch { return StoreAPI.failure(error) }
        }
        get("/api/v1/refunds/{reference}") { request, context in
            do { return try await api.refundStatus(request, context) } catch { return StoreAPI.failure(error) }
        }
        post("/api/v1/payments/notify/wechat") { request, context in await api.notifyWeChatV2(request, context) }
        post("/api/v1/payments/notify/wechat-v3") { request, context in await api.notifyWeChatV3(request, context) }
        post("/api/v1/payments/notify/alipay") { request, context in await api.notifyAlipay(request, context) }
    }
}

/// Settles payment attempts nobody follows any more: at start (after a crash or a restart) and
/// every `interval`. Every node may run it; leases and `SKIP LOCKED` share the work.
struct PaymentSweeper: Service {
    let flow: PaymentFlow
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let env = Env(uid: 1, login: "__system__", groups: [], companyId: 1, allowedCompanyIds: [1], logger: logger)
            .asSystem(reason: "settling payment attempts left open")
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let settled = try await cancelWhenGracefulShutdown { try await flow.sweep(env: env) }
                if settled > 0 { logger.notice("payment attempts settled", metadata: ["count": "\(settled)"]) }
            } catch {
                logger.warning("payment sweep deferred", metadata: ["error": "\(error)"])
            }
            try? await gracefulShutdown(orSleep: interval)
        }
    }
}

/// The daily reconciliation job: once the bills are published (10:30 China time), the bills of
/// every configured channel for the last seven days not yet reconciled are downloaded and
/// matched, oldest first (a day missed while every node was down, or while the channel failed,
/// is caught up; lines waiting for the next day's bill are settled in order).
struct ReconciliationService: Service {
    let flow: PaymentFlow
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            for day in Reconciliation.daysDue(at: Date()) {
                for (channel, gateway) in flow.gateways.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    do {
                        // Days already done, and days before this node took its first payment on
                        // that channel (another system's payments are not ours to list), are skipped.
                        let due = try await flow.database.transaction(logger: logger) { tx in
                            var sql = SQLBuilder("SELECT NOT EXISTS (SELECT 1 FROM payment_reconciliation WHERE channel = ")
                            sql.bind(.text(channel.rawValue))
                            sql += " AND bill_date = "
                            sql.bind(.text(day), cast: "date")
                            sql += ") AND EXISTS (SELECT 1 FROM payment_transaction WHERE channel = "
                            sql.bind(.text(channel.rawValue))
                            sql += " AND (create_date AT TIME ZONE 'Asia/Shanghai')::date <= "
                            sql.bind(.text(day), cast: "date")
                            sql += ")"
                            return try await tx.query(sql)[0].decode(Bool.self)
                        }
                        if due { _ = try await Reconciliation.run(flow.database, gateway: gateway, date: day, logger: logger) }
                    } catch {
                        logger.warning("reconciliation deferred", metadata: ["channel": "\(channel.rawValue)", "date": "\(day)", "error": "\(error)"])
                    }
                }
            }
            try? await gracefulShutdown(orSleep: .seconds(600))
        }
    }
}
