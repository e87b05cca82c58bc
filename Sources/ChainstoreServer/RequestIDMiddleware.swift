import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id (the caller's `X-Request-Id` when it is short and plain, a new one
/// otherwise), puts it on the request logger and echoes it in the response.
public struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let given = request.headers[.requestID]
        let id: String
        if let given, Self.isPlain(given) {
            id = given
        } else {
            id = Self.makeID()
        }
        context.logger[metadataKey: "request_id"] = "\(id)"
        do {
            var response = try await next(request, context)
            response.headers[.requestID] = id
            return response
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            throw error
        }
    }

    static func isPlain(_ id: String) -> Bool {
        guard !id.isEmpty, id.utf8.count <= 64 else { return false }
        return id.utf8.allSatisfy { byte in
            let c = Character(Unicode.Scalar(byte))
            return c == "-" || c == "_" || (byte < 128 && (c.isLetter || c.isNumber))
        }
    }

    static func makeID() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = UInt64.random(in: .min ... .max, using: &generator)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension HTTPField.Name {
    public static let requestID = Self("X-Request-Id")!
}
