// Checks the data of one element string against its AI's format and derives the
// interpreted value (date, decimal, currency, count). Shared by the raw and the
// parenthesised (HRI) readers; positions are offsets in the original input.

extension GS1Parser {
    func element(
        _ definition: ApplicationIdentifier, data: ArraySlice<UInt8>
    ) throws(BarcodeError) -> GS1Element {
        let ai = definition.code
        let format = definition.format
        if data.count > format.maximumLength {
            throw .fieldTooLong(ai: ai, maximum: format.maximumLength, actual: data.count)
        }
        if data.count < format.minimumLength {
            throw .fieldTooShort(ai: ai, minimum: format.minimumLength, actual: data.count)
        }
        let value = ASCII.string(data)
        switch format {
        case .numeric(_, let checkDigit):
            try Self.requireDigits(data, ai: ai)
            if checkDigit { try Self.verifyCheckDigit(data, what: "AI (\(ai)) \(value)") }
            return GS1Element(ai: ai, value: value)
        case .date:
            try Self.requireDigits(data, ai: ai)
            return GS1Element(ai: ai, value: value, date: try GS1Date.fromYYMMDD(data, ai: ai, today: today))
        case .text, .fixedText:
            try Self.requireSet82(data, ai: ai)
            return GS1Element(ai: ai, value: value)
        case .measure(let decimals), .amount(let decimals):
            try Self.requireDigits(data, ai: ai)
            return GS1Element(ai: ai, value: value, decimal: ImpliedDecimal(digits: data, scale: decimals))
        case .amountWithCurrency(let decimals):
            try Self.requireDigits(data, ai: ai)
            let split = data.startIndex + 3
            return GS1Element(
                ai: ai, value: value,
                decimal: ImpliedDecimal(digits: data[split...], scale: decimals),
                currency: ASCII.string(data[..<split]))
        case .grai:
            let start = data.startIndex
            guard data[start] == ASCII.zero else {
                throw .invalidCharacter(what: "AI (\(ai)) filler (must be 0)", character: ASCII.show(data[start]), position: start)
            }
            let key = data[(start + 1)..<(start + 14)]
            try Self.requireDigits(key, ai: ai)
            try Self.verifyCheckDigit(key, what: "AI (\(ai)) GRAI \(ASCII.string(key))")
            try Self.requireSet82(data[(start + 14)...], ai: ai)
            return GS1Element(ai: ai, value: value)
        case .count:
            try Self.requireDigits(data, ai: ai)
            var count = 0
            for byte in data { count = count * 10 + Int(byte - ASCII.zero) }
            return GS1Element(ai: ai, value: value, count: count)
        }
    }

    static func requireDigits(_ data: ArraySlice<UInt8>, ai: String) throws(BarcodeError) {
        if let index = data.firstIndex(where: { !ASCII.isDigit($0) }) {
            throw .notDigits(what: "AI (\(ai))", position: index)
        }
    }

    static func requireSet82(_ data: ArraySlice<UInt8>, ai: String) throws(BarcodeError) {
        if let index = data.firstIndex(where: { !ASCII.isSet82($0) }) {
            throw .invalidCharacter(what: "AI (\(ai))", character: ASCII.show(data[index]), position: index)
        }
    }

    static func verifyCheckDigit(_ digits: ArraySlice<UInt8>, what: String) throws(BarcodeError) {
        let expected = CheckDigit.gs1(bytes: digits.dropLast())
        let found = Int(digits.last! - ASCII.zero)
        guard expected == found else { throw .badCheckDigit(what: what, expected: expected, found: found) }
    }
}
