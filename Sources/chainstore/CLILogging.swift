import ChainstoreApp
import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

enum CLILogging {
    /// Every logger of the process writes through `LineLogHandler` (done once, on first use).
    private static let handlerInstalled: Void = LineLogHandler.bootstrap()

    static func logger(default fallback: Logger.Level = .info) -> Logger {
        _ = handlerInstalled
        var logger = Logger(label: "chainstore")
        let level = ProcessInfo.processInfo.environment["CHAINSTORE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? fallback
        logger.logLevel = level
        return logger
    }
}

/// Runs `body` with the database of `arguments`, starting (and afterwards stopping) the private
/// cluster when this command is the one that started it.
func withLocation<T: Sendable>(
    _ arguments: DatabaseArguments, demo: Bool = false, _ body: @escaping @Sendable (Database, Logger) async throws -> T
) async throws -> T {
    let logger = CLILogging.logger()
    let location = try arguments.location(demo: demo)
    let started = try location.startIfManaged(logger: logger)
    defer { if started { location.stopIfManaged(logger: logger) } }
    return try await location.withDatabase(logger: logger) { db in
        _ = try await ChainstoreApp.migrate(db, logger: logger)
        return try await body(db, logger)
    }
}
