// The XML-RPC grammar over the lexer's events: a strict, non-recursive parser.
// Nested values live on explicit stacks, so depth is bounded by `maxDepth`
// and never by the thread's stack.

struct Parser {
    var lexer: Lexer
    let limits: XMLRPCLimits
    var valueCount = 0

    init(_ p: UnsafeBufferPointer<UInt8>, start: Int, limits: XMLRPCLimits) {
        lexer = Lexer(p, start: start, maxText: limits.maxStringBytes)
        self.limits = limits
    }

    // MARK: - Documents

    mutating func call() throws(XMLRPCError) -> XMLRPCCall {
        try expectStart(.methodCall)
        try expectStart(.methodName)
        let method = try textContent(of: .methodName)
        var params: [XMLRPCValue] = []
        switch try structural() {
        case .end(.methodCall): break
        case .start(.params):
            params = try paramList()
            try expectEnd(.methodCall)
        case let event: throw unexpected(event, "expected <params> or </methodCall>")
        }
        try expectEOF()
        return XMLRPCCall(method: method, params: params)
    }

    mutating func response() throws(XMLRPCError) -> Result<XMLRPCValue, XMLRPCFault> {
        try expectStart(.methodResponse)
        let result: Result<XMLRPCValue, XMLRPCFault>
        switch try structural() {
        case .start(.params):
            let params = try paramList()
            guard params.count == 1 else { throw lexer.fail("a response must hold exactly one param") }
            result = .success(params[0])
        case .start(.fault):
            try expectStart(.value)
            let value = try value()
            try expectEnd(.fault)
            guard let code = value.member("faultCode"), let text = value.member("faultString") else {
                throw lexer.fail("fault lacks faultCode or faultString")
            }
            switch code {
            case .int, .string: break
            default: throw lexer.fail("faultCode must be an int or a string")
            }
            guard case .string(let string) = text else { throw lexer.fail("faultString must be a string") }
            result = .failure(XMLRPCFault(code: code, string: string))
        case let event: throw unexpected(event, "expected <params> or <fault>")
        }
        try expectEnd(.methodResponse)
        try expectEOF()
        return result
    }

    /// After `<params>`: `<param><value>…</value></param>`* then `</params>`.
    private mutating func paramList() throws(XMLRPCError) -> [XMLRPCValue] {
        var params: [XMLRPCValue] = []
        while true {
            switch try structural() {
            case .start(.param):
                try expectStart(.value)
                params.append(try value())
                try expectEnd(.param)
            case .end(.params):
                return params
            case let event: throw unexpected(event, "expected <param> or </params>")
            }
        }
    }

    // MARK: - Values

    private enum Frame { case array, structure }

    private enum Opened {
        case leaf(XMLRPCValue)
        case array
        case structure(String)
    }

    /// Parses a value whose `<value>` start tag was just read, through `</value>`.
    mutating func value() throws(XMLRPCError) -> XMLRPCValue {
        var frames: [Frame] = []
        var arrays: [[XMLRPCValue]] = []
        var structs: [[XMLRPCMember]] = []
        var names: [String] = []
        try enterValue(depth: 1)
        nextValue: while true {
            var produced: XMLRPCValue
            switch try openValue() {
            case .leaf(let v):
                produced = v
            case .array:
                frames.append(.array)
                arrays.append([])
                try enterValue(depth: frames.count + 1)
                continue nextValue
            case .structure(let name):
                frames.append(.structure)
                structs.append([])
                names.append(name)
                try enterValue(depth: frames.count + 1)
                continue nextValue
            }
            // Hand the finished value to its container; close the containers that end here.
            while let frame = frames.last {
                switch frame {
                case .array:
                    arrays[arrays.count - 1].append(produced)
                    if try nextArrayItem() {
                        try enterValue(depth: frames.count + 1)
                        continue nextValue
                    }
                    produced = .array(arrays.removeLast())
                case .structure:
                    structs[structs.count - 1].append(XMLRPCMember(names.removeLast(), produced))
                    try expectEnd(.member)
                    if let name = try nextMember() {
                        names.append(name)
                        try enterValue(depth: frames.count + 1)
                        continue nextValue
                    }
                    produced = .structure(structs.removeLast())
                }
                frames.removeLast()
                try expectEnd(.value)
            }
            return produced
        }
    }

    private mutating func enterValue(depth: Int) throws(XMLRPCError) {
        valueCount += 1
        if valueCount > limits.maxElements { throw .tooManyElements }
        if depth > limits.maxDepth { throw .tooDeep }
    }

    /// Reads a value's content after its `<value>`: a finished scalar (its
    /// `</value>` consumed), or an opened container positioned at its first
    /// child value (its `<value>` consumed).
    private mutating func openValue() throws(XMLRPCError) -> Opened {
        let event = try lexer.next()
        if event == .end(.value) {  // untyped: the text itself, verbatim
            let s = lexer.textString()
            lexer.clearText()
            return .leaf(.string(s))
        }
        guard case .start(let tag) = event else { throw unexpected(event, "expected a value") }
        if lexer.significant { throw lexer.fail("text mixed with <\(tag.xmlName)>") }
        lexer.clearText()
        let leaf: XMLRPCValue
        switch tag {
        case .int, .i4, .i8, .boolean, .string, .double, .dateTime, .base64, .nil_:
            let end = try lexer.next()
            guard end == .end(tag) else { throw unexpected(end, "expected </\(tag.xmlName)>") }
            leaf = try scalar(tag, lexer.text)
            lexer.clearText()
        case .array:
            switch try structural() {
            case .end(.array):
                leaf = .array([])
            case .start(.data):
                if try nextArrayItem() { return .array }
                leaf = .array([])
            case let event: throw unexpected(event, "expected <data>")
            }
        case .structure:
            if let name = try nextMember() { return .structure(name) }
            leaf = .structure([])
        default:
            throw lexer.fail("unexpected <\(tag.xmlName)> in <value>")
        }
        try expectEnd(.value)
        return .leaf(leaf)
    }

    private func scalar(_ tag: Tag, _ text: [UInt8]) throws(XMLRPCError) -> XMLRPCValue {
        switch tag {
        case .int, .i4, .i8: return .int(try Scalars.int(text))
        case .boolean: return .bool(try Scalars.bool(text))
        case .double: return .double(try Scalars.double(text))
        case .string: return .string(lexer.textString())
        case .dateTime:
            let r = Scalars.trimmed(text)
            return .dateTime(String(decoding: text[r], as: UTF8.self))
        case .base64: return .base64(try Scalars.base64(text))
        case .nil_:
            guard Scalars.trimmed(text).isEmpty else { throw lexer.fail("<nil> must be empty") }
            return .nil_
        default: throw lexer.fail("not a scalar")
        }
    }

    /// Inside `<data>`: true after a `<value>`; false after `</data></array>`.
    private mutating func nextArrayItem() throws(XMLRPCError) -> Bool {
        switch try structural() {
        case .start(.value): return true
        case .end(.data):
            try expectEnd(.array)
            return false
        case let event: throw unexpected(event, "expected <value> or </data>")
        }
    }

    /// Inside `<struct>`: the member's name (positioned after its `<value>`),
    /// or nil after `</struct>`.
    private mutating func nextMember() throws(XMLRPCError) -> String? {
        switch try structural() {
        case .start(.member):
            try expectStart(.name)
            let name = try textContent(of: .name)
            try expectStart(.value)
            return name
        case .end(.structure):
            return nil
        case let event: throw unexpected(event, "expected <member> or </struct>")
        }
    }

    // MARK: - Event helpers

    /// The next event, refusing any non-whitespace text before it.
    private mutating func structural() throws(XMLRPCError) -> Event {
        let event = try lexer.next()
        if lexer.significant { throw lexer.fail("unexpected text") }
        lexer.clearText()
        return event
    }

    /// Text up to the end tag of `tag` (no child elements allowed).
    private mutating func textContent(of tag: Tag) throws(XMLRPCError) -> String {
        let event = try lexer.next()
        guard event == .end(tag) else { throw unexpected(event, "expected </\(tag.xmlName)>") }
        let s = lexer.textString()
        lexer.clearText()
        return s
    }

    private mutating func expectStart(_ tag: Tag) throws(XMLRPCError) {
        let event = try structural()
        guard event == .start(tag) else { throw unexpected(event, "expected <\(tag.xmlName)>") }
    }

    private mutating func expectEnd(_ tag: Tag) throws(XMLRPCError) {
        let event = try structural()
        guard event == .end(tag) else { throw unexpected(event, "expected </\(tag.xmlName)>") }
    }

    private mutating func expectEOF() throws(XMLRPCError) {
        let event = try structural()
        guard event == .eof else { throw unexpected(event, "content after the root element") }
    }

    private func unexpected(_ event: Event, _ expectation: String) -> XMLRPCError {
        let found: String
        switch event {
        case .start(let tag): found = "<\(tag.xmlName)>"
        case .end(let tag): found = "</\(tag.xmlName)>"
        case .eof: found = "end of input"
        }
        return lexer.fail("\(expectation), found \(found)")
    }
}
