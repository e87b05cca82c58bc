// XML-RPC decoder entry points: size check, contiguous bytes, XML declaration,
// UTF-8 validation, then the parser (XMLRPCParser.swift).

public enum XMLRPCDecoder {
    /// Decodes a `<methodCall>` request body.
    public static func decodeCall(
        _ bytes: some Collection<UInt8>, limits: XMLRPCLimits = .init()
    ) throws(XMLRPCError) -> XMLRPCCall {
        try withDocument(bytes, limits) { (parser: inout Parser) throws(XMLRPCError) in try parser.call() }
    }

    /// Decodes a `<methodResponse>`: `.success(value)` or `.failure(fault)`.
    public static func decodeResponse(
        _ bytes: some Collection<UInt8>, limits: XMLRPCLimits = .init()
    ) throws(XMLRPCError) -> Result<XMLRPCValue, XMLRPCFault> {
        try withDocument(bytes, limits) { (parser: inout Parser) throws(XMLRPCError) in try parser.response() }
    }

    static func withDocument<R>(
        _ bytes: some Collection<UInt8>, _ limits: XMLRPCLimits,
        _ body: (inout Parser) throws(XMLRPCError) -> R
    ) throws(XMLRPCError) -> R {
        guard bytes.count <= limits.maxBytes else { throw .tooLarge }
        let direct = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(XMLRPCError) -> R in try parse(buffer, limits, body) }
        }
        if let direct { return try direct.get() }
        return try Array(bytes).withUnsafeBufferPointer { buffer in
            Result { () throws(XMLRPCError) -> R in try parse(buffer, limits, body) }
        }.get()
    }

    static func parse<R>(
        _ buffer: UnsafeBufferPointer<UInt8>, _ limits: XMLRPCLimits,
        _ body: (inout Parser) throws(XMLRPCError) -> R
    ) throws(XMLRPCError) -> R {
        let (start, encoding) = try Prolog.parse(buffer)
        if encoding == .latin1 {
            return try Prolog.latin1ToUTF8(buffer, from: start).withUnsafeBufferPointer { utf8 in
                Result { () throws(XMLRPCError) -> R in
                    try Scalars.validateUTF8(utf8, from: 0)  // always valid UTF-8 now; this refuses NUL bytes
                    var parser = Parser(utf8, start: 0, limits: limits)
                    return try body(&parser)
                }
            }.get()
        }
        try Scalars.validateUTF8(buffer, from: start)
        var parser = Parser(buffer, start: start, limits: limits)
        return try body(&parser)
    }
}
