import Foundation

// MARK: - Errors

public struct ManagedClusterError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable, Equatable {
        /// initdb/pg_ctl/postgres were not found.
        case binariesNotFound
        /// Bad port, unusable path, version mismatch, non-empty non-cluster data directory.
        case invalidConfiguration
        /// Folders, ownership, the service user, runuser.
        case permission
        /// A command (initdb, chown, ...) failed or could not be run.
        case commandFailed
        /// start() before ensureInitialized().
        case notInitialized
        /// pg_ctl start failed, or an already running server never became ready.
        case startFailed
        /// pg_ctl stop failed and the server is still running.
        case stopFailed
        /// The data directory or the socket is held by a server with other settings or of another cluster.
        case alreadyInUse
    }

    public let kind: Kind
    public let message: String
    /// The last lines of the failing command's output and/or of the server log; may be empty.
    public let outputTail: String

    public init(kind: Kind, message: String, outputTail: String = "") {
        self.kind = kind
        self.message = message
        self.outputTail = outputTail
    }

    public var description: String {
        let trimmed = outputTail.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? message : message + "\n--- output (tail) ---\n" + trimmed
    }
}
