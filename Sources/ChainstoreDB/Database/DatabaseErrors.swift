import ChainstoreCore
import PostgresNIO

/// Translates PostgreSQL errors where they arise: constraint violations become validation errors
/// naming the constraint, serialization failures and deadlocks become `concurrency` (retried by
/// `Database.transaction`). The raw error is kept as `underlying`, for the log only.
public enum DatabaseErrors {
    static func translate(_ error: any Error) -> any Error {
        guard let server = ServerError(error) else { return error }
        let state = server.sqlState
        let constraint = server.constraint ?? ""
        let table = parentTable(server.table ?? "")
        let column = server.column ?? ""
        let model = table.replacingOccurrences(of: "_", with: ".")
        switch state {
        case "40001", "40P01":
            return ChainstoreError(.concurrency, "The operation could not be completed because of a concurrent update; please retry.", underlying: error)
        case "23505":
            return ChainstoreError(.validationError, "A record with the same value already exists (\(constraint)).", underlying: error)
        case "23502":
            return ChainstoreError(.validationError, "The field '\(column)' on '\(model)' is required.", underlying: error)
        case "23503":
            return ChainstoreError(
                .validationError,
                "The operation cannot be completed: another record still refers to this one, or the referenced record does not exist (\(constraint)).",
                underlying: error)
        case "23514", "23P01":
            // Our own triggers raise check violations with a sentence for the user; a table's
            // CHECK constraint says only its name.
            if let message = server.message, !message.contains("violates") {
                return ChainstoreError(.validationError, message, underlying: error)
            }
            return ChainstoreError(.validationError, "The record does not satisfy the constraint \(constraint).", underlying: error)
        case "22003":
            return ChainstoreError(.valueError, "A value is out of range for its field.", underlying: error)
        case _ where state.hasPrefix("22"):
            return ChainstoreError(.valueError, "Invalid value: \(server.message ?? "data exception").", underlying: error)
        case "57014":
            return ChainstoreError(.limitExceeded, "The query was cancelled because it ran too long.", underlying: error)
        default:
            return error
        }
    }

    /// A monthly partition (`<table>_pYYYYMM`, `<table>_default`) is reported as its table.
    static func parentTable(_ name: String) -> String {
        if name.hasSuffix("_default") { return String(name.dropLast(8)) }
        let tail = name.suffix(8)
        if tail.hasPrefix("_p"), tail.dropFirst(2).allSatisfy({ $0.isASCII && $0.isNumber }) { return String(name.dropLast(8)) }
        return name
    }

    /// A write attempted on a standby (25006, read_only_sql_transaction).
    static func isReadOnly(_ error: any Error) -> Bool {
        ServerError((error as? ChainstoreError)?.underlying ?? error)?.sqlState == "25006"
    }

    public static func isRetryable(_ error: any Error) -> Bool {
        (error as? ChainstoreError)?.code == .concurrency
    }
}

/// The fields of an error PostgreSQL reported.
struct ServerError {
    let sqlState: String
    let message: String?
    let constraint: String?
    let table: String?
    let column: String?

    init?(_ error: any Error) {
        guard let psql = error as? PSQLError, let info = psql.serverInfo, let state = info[.sqlState] else { return nil }
        sqlState = state
        message = info[.message]
        constraint = info[.constraintName]
        table = info[.tableName]
        column = info[.columnName]
    }
}
