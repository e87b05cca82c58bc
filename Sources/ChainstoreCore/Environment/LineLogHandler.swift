import Foundation
import Logging
import Synchronization

/// swift-log's standard-error lines (`2026-12-04T10:00:00+0000 info chainstore: key=value [Module] message`),
/// with the metadata formatted when a line is written rather than whenever it changes.
///
/// `StreamLogHandler` formats its whole metadata on every change, and a request changes it three
/// times (the server's request id, ours, the caller's uid) to log nothing at `info` in the common
/// case; on a barcode scan that was a few percent of the node's CPU. Installed by `chainstore`'s
/// commands (`LineLogHandler.bootstrap()`); tests keep swift-log's default.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata = Logger.Metadata()
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String, metadataProvider: Logger.MetadataProvider?) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    /// Makes every logger of the process write through this handler. Once per process.
    public static func bootstrap(metadataProvider: Logger.MetadataProvider? = nil) {
        LoggingSystem.bootstrap({ label, provider in LineLogHandler(label: label, metadataProvider: provider) }, metadataProvider: metadataProvider)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        let (format, sink) = LogOutput.shared.current
        if sink != nil || format == .json {
            let record = LogRecord(
                at: Date(), level: event.level, label: label, source: event.source, message: "\(event.message)",
                metadata: merged.mapValues { "\($0)" })
            sink?.accept(record)
            if format == .json {
                FileHandle.standardOutput.write(Data((record.json + "\n").utf8))
                return
            }
        }
        var line = "\(Self.timestamp()) \(event.level) \(label):"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) { line += " \(key)=\(value)" }
        line += " [\(event.source)] \(event.message)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    private static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// One line of the log, as the JSON format writes it and the logs database keeps it.
public struct LogRecord: Sendable {
    public let at: Date
    public let level: Logger.Level
    public let label: String
    public let source: String
    public let message: String
    public let metadata: [String: String]

    public init(at: Date, level: Logger.Level, label: String, source: String, message: String, metadata: [String: String]) {
        (self.at, self.level, self.label, self.source, self.message, self.metadata) = (at, level, label, source, message, metadata)
    }

    /// `{"ts": …, "level": …, "logger": …, "source": …, "msg": …, <metadata>…}` on one line.
    public var json: String {
        var writer = JSONWriter(capacity: 256)
        writer.raw("{\"ts\":")
        writer.string(Self.timestamp(at))
        writer.raw(",\"level\":")
        writer.string(level.rawValue)
        writer.raw(",\"logger\":")
        writer.string(label)
        writer.raw(",\"source\":")
        writer.string(source)
        writer.raw(",\"msg\":")
        writer.string(message)
        appendMetadata(to: &writer, first: false, skipping: ["ts", "level", "logger", "source", "msg"])
        writer.byte("}")
        return writer.text
    }

    /// The metadata alone, as a JSON object.
    public var metadataJSON: String {
        var writer = JSONWriter(capacity: 128)
        writer.byte("{")
        appendMetadata(to: &writer, first: true, skipping: [])
        writer.byte("}")
        return writer.text
    }

    /// `"key":"value"` pairs in key order, comma-separated (after a comma unless `first`).
    private func appendMetadata(to writer: inout JSONWriter, first: Bool, skipping: Set<String>) {
        var first = first
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where !skipping.contains(key) {
            if !first { writer.byte(",") }
            first = false
            writer.string(key)
            writer.byte(":")
            writer.string(value)
        }
    }

    /// UTC, to the microsecond: `2026-12-06T02:47:44.032365Z`.
    public static func timestamp(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = time_t(seconds.rounded(.down))
        let micros = Int(((seconds - Double(whole)) * 1_000_000).rounded(.down))
        var parts = tm()
        gmtime_r(&whole, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &parts)
        let head = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let fraction = String(micros)
        return head + "." + String(repeating: "0", count: max(0, 6 - fraction.count)) + fraction + "Z"
    }
}

/// Where the process's log lines go: text lines on standard error (the default), or JSON lines
/// on standard output (`CHAINSTORE_LOG_FORMAT=json`, `serve --log-format json`); and, when a logs
/// database is configured, a copy of each record to its shipper.
public final class LogOutput: Sendable {
    public enum Format: String, Sendable { case text, json }

    public static let shared = LogOutput()

    private let state = Mutex<(format: Format, sink: (any LogSink)?)>(
        (ProcessInfo.processInfo.environment["CHAINSTORE_LOG_FORMAT"].flatMap(Format.init(rawValue:)) ?? .text, nil))

    /// Both, under one lock: read once per line.
    public var current: (Format, (any LogSink)?) { state.withLock { ($0.format, $0.sink) } }
    public var sink: (any LogSink)? { state.withLock { $0.sink } }

    public func set(format: Format) { state.withLock { $0.format = format } }
    public func set(sink: (any LogSink)?) { state.withLock { $0.sink = sink } }
}

/// Takes log records without ever blocking the caller (the logs database's shipper).
public protocol LogSink: Sendable {
    func accept(_ record: LogRecord)
}
