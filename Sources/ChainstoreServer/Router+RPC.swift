import ChainstoreDB
import ChainstoreRPC
import Hummingbird
import NIOCore

extension Router where Context == ChainstoreRequestContext {
    /// Odoo's JSON routes: `/jsonrpc` and the web-client routes, with the session cookie.
    public func addJSONRPCRoutes(_ endpoints: JSONRPCEndpoints, maxBodyBytes: Int) {
        let handler: @Sendable (Request, Context) async throws -> Response = { request, context in
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maxBodyBytes)
            } catch {
                return Response(status: .contentTooLarge, body: .init(byteBuffer: ByteBuffer(string: "Request too large")))
            }
            let caller = Client(address: context.clientAddress, host: request.head.authority, logger: context.logger, secure: context.secure)
            var path = request.uri.path
            if path.hasPrefix("/web/dataset/call_kw/") { path = "/web/dataset/call_kw" }
            let answer = await endpoints.handle(
                path: path, body: Array(buffer: body), cookie: request.headers[.cookie], caller: caller)
            var headers: HTTPFields = [.contentType: answer.contentType]
            if let cookie = answer.setCookie { headers[.setCookie] = cookie }
            return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
        for path in JSONRPCEndpoints.paths { post(RouterPath(path), use: handler) }
        post("/web/dataset/call_kw/**", use: handler)
    }
}

extension Router where Context == ChainstoreRequestContext {
    /// XML-RPC: `/xmlrpc/2/<service>` (integer fault codes) and `/xmlrpc/<service>` (string codes).
    public func addXMLRPCRoutes(_ endpoints: XMLRPCEndpoints, maxBodyBytes: Int) {
        func handler(legacy: Bool) -> @Sendable (Request, Context) async throws -> Response {
            { request, context in
                let body: ByteBuffer
                do {
                    body = try await request.body.collect(upTo: maxBodyBytes)
                } catch {
                    return Response(status: .contentTooLarge, body: .init(byteBuffer: ByteBuffer(string: "Request too large")))
                }
                let service = context.parameters.get("service") ?? ""
                let caller = Client(address: context.clientAddress, host: request.head.authority, logger: context.logger)
                let answer = await endpoints.handle(service: service, legacy: legacy, body: Array(buffer: body), caller: caller)
                return Response(status: .ok, headers: [.contentType: "text/xml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: answer)))
            }
        }
        post("/xmlrpc/2/:service", use: handler(legacy: false))
        post("/xmlrpc/:service", use: handler(legacy: true))
    }
}
