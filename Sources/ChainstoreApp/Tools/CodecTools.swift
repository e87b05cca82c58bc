import Barcode
import ChainstoreCore
import Foundation
import Payments
import Product

/// `chainstore codec …`: what a scan or a tag read means, for support staff and the
/// conformance tests.
public enum CodecTools {
    /// Today's date in the group's time zone (China Standard Time), as GS1 dates are read.
    /// China keeps UTC+8 all year, so this is plain arithmetic (it runs on every scan).
    public static func today(_ given: String?) throws -> GS1Date {
        try given.map { try GS1Date(iso: $0) } ?? ChinaCalendar.today()
    }

    /// Answers a JSON batch of codec cases (../shared/specs/gs1-epc.md §5).
    public static func batch(contentsOf path: String, today: GS1Date) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ChainstoreError.userError("Cannot read \(path)")
        }
        do {
            let document = try CodecJSON.parse(Array(data))
            return try CodecBatch.run(document: document, today: today, implementation: "chainstore").rendered
        } catch {
            throw ChainstoreError.userError("\(path): \(error)")
        }
    }

    /// Every reading of `code` that holds: a GTIN (and an in-store variable-measure code under
    /// the default rules), a GS1 element string, an EPC; or why it is none of them.
    public static func describe(_ code: String, today: GS1Date) -> String {
        var lines: [String] = []
        var problems: [String] = []
        do {
            let gtin = try GTIN(code)
            lines.append("\(gtin.format) \(gtin.code): valid check digit; looked up as GTIN-14 \(gtin.gtin14)")
            if gtin.isRestrictedCirculation {
                lines.append("restricted circulation number: resolved by the store's rules, not the group catalogue")
            }
            if let match = Nomenclature.chineseDefaults.match(code), match.pattern != nil {
                lines.append("variable measure (\(match.ruleType), rule \(match.pattern ?? "")): value \(match.value ?? "-"), product code \(match.baseCode)")
            }
        } catch {
            problems.append("GTIN: \(error)")
        }
        let parser = GS1Parser(today: today)
        for format in code.hasPrefix("(") ? [GS1InputFormat.hri] : [.raw] {
            do {
                let message = try parser.parse(code, format: format)
                if message.elements.count > 1 || code.hasPrefix("]") || code.hasPrefix("(") || code.utf8.first == 0x1D {
                    lines.append("GS1 element string \(message.hri):")
                    for element in message.elements { lines.append("  (\(element.ai)) \(describe(element))") }
                }
            } catch {
                problems.append("GS1 element string: \(error)")
            }
        }
        if code.utf8.count == 24 || code.utf8.count == 28, code.allSatisfy(\.isHexDigit) {
            do {
                let epc = try EPC(hex: code, protocolControl: .detect)
                lines.append("EPC \(epc.scheme.rawValue), filter \(epc.filter): \(epc.pureIdentityURI)")
                lines.append("  tag URI \(epc.tagURI); GS1 \(epc.gs1ElementString)")
            } catch {
                problems.append("EPC: \(error)")
            }
        }
        if lines.isEmpty { return (["not a code this system reads:"] + problems.map { "  " + $0 }).joined(separator: "\n") }
        return lines.joined(separator: "\n")
    }

    /// An RFID tag read (hex, with or without its PC word) decoded, or a pure identity URI
    /// encoded as EPC-96 hex with `filter` (the scheme follows the URI unless given).
    public static func epc(_ input: String, filter: Int = 0, scheme: String? = nil) throws -> String {
        do {
            if input.hasPrefix("urn:epc:id:") {
                let kind = input.dropFirst("urn:epc:id:".count).prefix { $0 != ":" }
                guard let chosen = EPCScheme(name: scheme ?? "\(kind)-96") else {
                    throw ChainstoreError.valueError("No 96-bit scheme for \(kind); give --scheme")
                }
                let epc = try EPC(pureIdentityURI: input, scheme: chosen, filter: filter)
                return "hex \(epc.hex)\ntag URI \(epc.tagURI)\nGS1 \(epc.gs1ElementString)"
            }
            let epc = try EPC(hex: input, protocolControl: .detect)
            var lines = [
                "\(epc.scheme.rawValue), filter \(epc.filter), partition \(epc.partition)",
                "pure identity \(epc.pureIdentityURI)", "tag URI \(epc.tagURI)",
                "GS1 key \(epc.gs1Key); element string \(epc.gs1ElementString)",
            ]
            if epc.reservedBitsNonZero { lines.append("note: the reserved bits are not zero (ignored)") }
            return lines.joined(separator: "\n")
        } catch let error as BarcodeError {
            throw ChainstoreError.valueError("\(error)")
        }
    }

    static func describe(_ element: GS1Element) -> String {
        var text = element.value
        if let date = element.date { text += " = \(date.iso)" }
        if let decimal = element.decimal { text += " = \(decimal)" }
        if let currency = element.currency { text += " (currency \(currency))" }
        return text
    }

    /// `chainstore codec payments FILE`: the payment channels' batch cases, answered.
    public static func payments(contentsOf path: String) throws -> String {
        try PaymentsBatch.run(file: URL(fileURLWithPath: path))
    }
}
