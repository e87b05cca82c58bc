import ChainstoreCore

/// How a `ChainstoreError` looks to Odoo clients: the Python exception class, the XML-RPC fault
/// of `/xmlrpc/2/*` (integer codes) and of the legacy `/xmlrpc/*` (string codes), and the
/// JSON-RPC error object. Internal errors never show their details.
public struct OdooError: Sendable {
    public let exceptionName: String
    public let message: String

    public init(_ error: any Error) {
        let known = error as? ChainstoreError ?? ChainstoreError(.internalError, "Internal server error")
        self.message = known.code == .internalError ? "Internal server error" : known.message
        switch known.code {
        case .accessDenied, .throttled: exceptionName = "odoo.exceptions.AccessDenied"
        case .accessError: exceptionName = "odoo.exceptions.AccessError"
        case .missingError: exceptionName = "odoo.exceptions.MissingError"
        case .validationError: exceptionName = "odoo.exceptions.ValidationError"
        case .userError: exceptionName = "odoo.exceptions.UserError"
        case .valueError, .limitExceeded: exceptionName = "builtins.ValueError"
        case .typeError: exceptionName = "builtins.TypeError"
        case .attributeError: exceptionName = "builtins.AttributeError"
        case .concurrency: exceptionName = "psycopg2.errors.SerializationFailure"
        case .unavailable, .commitUnknown: exceptionName = "psycopg2.OperationalError"
        case let code where code.name == "KeyError": exceptionName = "builtins.KeyError"
        default: exceptionName = "builtins.Exception"
        }
    }

    var className: String { String(exceptionName.split(separator: ".").last ?? "Exception") }

    /// A short, Python-shaped traceback: clients that show `debug` or parse the fault string find
    /// `ExceptionClass: message` on the last line.
    public var traceback: String {
        "Traceback (most recent call last):\n  File \"chainstore\", line 1, in dispatch\n\(className): \(message)\n"
    }

    /// `/xmlrpc/2/*`: 3 AccessDenied, 4 AccessError, 2 UserError family, 1 anything else.
    public var faultCode: Int64 {
        switch exceptionName {
        case "odoo.exceptions.AccessDenied": return 3
        case "odoo.exceptions.AccessError": return 4
        case "odoo.exceptions.UserError", "odoo.exceptions.ValidationError", "odoo.exceptions.MissingError": return 2
        default: return 1
        }
    }

    public var faultString: String { faultCode == 1 ? traceback : message }

    /// Legacy `/xmlrpc/*` faults: the code is a string, as odoo-client-lib expects.
    public var legacyFault: (code: String, string: String) {
        switch exceptionName {
        case "odoo.exceptions.AccessDenied": return ("AccessDenied", message)
        case "odoo.exceptions.MissingError": return ("warning -- MissingError\n\n\(message)", "")
        case "odoo.exceptions.AccessError": return ("warning -- AccessError\n\n\(message)", "")
        case "odoo.exceptions.UserError", "odoo.exceptions.ValidationError": return ("warning -- UserError\n\n\(message)", "")
        default: return (message, traceback)
        }
    }

    /// The `error` member of a JSON-RPC response.
    public var jsonError: Value {
        [
            "code": 200, "message": "Odoo Server Error",
            "data": ["name": .string(exceptionName), "message": .string(message), "arguments": [.string(message)], "context": [:], "debug": .string(traceback)],
        ]
    }
}

extension ChainstoreError.Code {
    /// An unknown model on the web routes (`/web/dataset/call_kw`) is Python's KeyError there.
    public static let keyError = ChainstoreError.Code("KeyError")
}
