/// The one error that crosses module boundaries. `message` is safe to show to end users;
/// `underlying` is kept for the log only and never rendered to clients.
public struct ChainstoreError: Error, Sendable, CustomStringConvertible {
    /// Extensible kind of failure. Each maps to one Odoo exception class on the wire.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Wrong credentials (`odoo.exceptions.AccessDenied`).
        public static let accessDenied = Code("AccessDenied")
        /// Access rights, record rules, invalid companies (`odoo.exceptions.AccessError`).
        public static let accessError = Code("AccessError")
        /// Record does not exist any more (`odoo.exceptions.MissingError`).
        public static let missingError = Code("MissingError")
        /// Constraint failed (`odoo.exceptions.ValidationError`).
        public static let validationError = Code("ValidationError")
        /// Business rule refused the operation (`odoo.exceptions.UserError`).
        public static let userError = Code("UserError")
        /// Bad argument value: unknown field, malformed domain (`ValueError`).
        public static let valueError = Code("ValueError")
        /// Bad argument shape or arity (`TypeError`).
        public static let typeError = Code("TypeError")
        /// Unknown method (`AttributeError`).
        public static let attributeError = Code("AttributeError")
        /// Serialization failure or deadlock that outlived its retries.
        public static let concurrency = Code("ConcurrencyError")
        /// Login refused for a while after repeated failures.
        public static let throttled = Code("Throttled")
        /// No, or no longer a, web session.
        public static let sessionExpired = Code("SessionExpired")
        /// A request exceeding a configured limit.
        public static let limitExceeded = Code("LimitExceeded")
        /// The database could not be reached (a failover in progress): nothing was saved; retry.
        public static let unavailable = Code("ServiceUnavailable")
        /// The connection was lost while committing, or the synchronous standby did not confirm
        /// the commit: it may or may not have been saved. Retry with the same idempotency key.
        public static let commitUnknown = Code("CommitOutcomeUnknown")
        /// Anything else: an internal failure; details go to the log only.
        public static let internalError = Code("InternalError")
    }

    public var code: Code
    public var message: String
    public var underlying: (any Error)?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { "\(code.name): \(message)" }

    public static func accessError(_ message: String) -> Self { .init(.accessError, message) }
    public static func valueError(_ message: String) -> Self { .init(.valueError, message) }
    public static func typeError(_ message: String) -> Self { .init(.typeError, message) }
    public static func validation(_ message: String) -> Self { .init(.validationError, message) }
    public static func userError(_ message: String) -> Self { .init(.userError, message) }
    public static func missing(_ message: String) -> Self { .init(.missingError, message) }
}
