import NIOCore
import PostgresNIO

extension Transaction {
    /// Streams `count` rows into `table` with `COPY … FROM STDIN` (text format), producing each
    /// row on demand so memory stays flat. `nil` is SQL NULL. Table and column names must be
    /// trusted identifiers (they are quoted, not bound). Returns the rows sent.
    ///
    /// Bulk loading only: no access rules, no audit rows — for generated data and restores.
    @discardableResult
    public func copy(
        into table: String, columns: [String], count: Int, progress: (@Sendable (Int) -> Void)? = nil,
        row: (Int) -> [String?]
    ) async throws -> Int {
        guard Self.isIdentifier(table), columns.allSatisfy(Self.isIdentifier) else {
            throw DatabaseErrors.translate(CopyNameError(name: table))
        }
        do {
            try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                var buffer = ByteBuffer()
                buffer.reserveCapacity(1 << 20)
                for index in 0..<count {
                    for (offset, cell) in row(index).enumerated() {
                        if offset > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
                        Self.writeCell(cell, into: &buffer)
                    }
                    buffer.writeInteger(UInt8(ascii: "\n"))
                    if buffer.readableBytes >= 1 << 20 {
                        try await writer.write(buffer)
                        buffer.clear()
                        progress?(index + 1)
                    }
                }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
                progress?(count)
            }
        } catch {
            throw DatabaseErrors.translate(error)
        }
        return count
    }

    /// COPY text format: backslash, tab, newline and carriage return escaped; NULL as `\N`.
    static func writeCell(_ cell: String?, into buffer: inout ByteBuffer) {
        guard let cell else {
            buffer.writeStaticString("\\N")
            return
        }
        for byte in cell.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }

    static func isIdentifier(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }
}

struct CopyNameError: Error, CustomStringConvertible {
    let name: String
    var description: String { "COPY needs plain identifiers, not '\(name)'" }
}
