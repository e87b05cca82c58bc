import HTTPTypes
import Hummingbird

/// Refuses a cross-site post that rides on the session cookie: a browser names the page a request
/// comes from (`Origin`, or `Sec-Fetch-Site: cross-site`), and a post carrying the `session_id`
/// cookie from another site's page is a forgery attempt, whatever the route. Programs (odoorpc,
/// curl) send neither header and are not affected; the session cookie is `SameSite=Lax` too, and
/// the back office's own posts carry a CSRF token besides.
public struct SameOriginMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method != .get, request.method != .head, request.method != .options,
            let cookie = request.headers[.cookie], cookie.contains("session_id="), Self.crossSite(request)
        else { return try await next(request, context) }
        let body = #"{"ok":false,"error":"forbidden","message":"Cross-site request refused","detail":{"code":"AccessError","message":"Cross-site request refused"}}"#
        return Response(status: .forbidden, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func crossSite(_ request: Request) -> Bool {
        if request.headers[.secFetchSite] == "cross-site" { return true }
        guard let origin = request.headers[.origin] else { return false }
        // `Origin: null` (a sandboxed frame, a file) is never this site.
        guard let host = request.head.authority, let schemeEnd = origin.range(of: "://") else { return true }
        return origin[schemeEnd.upperBound...].lowercased() != host.lowercased()
    }
}

extension HTTPField.Name {
    static let secFetchSite = Self("Sec-Fetch-Site")!
}
