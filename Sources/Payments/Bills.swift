import Foundation
import ZIPFoundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The channels' bill files as they arrive: Alipay's is a ZIP of CSV files in GBK (a detail
/// file and a summary), WeChat's is UTF-8 CSV. Read here into UTF-8 text, with limits so a
/// hostile archive cannot exhaust the machine.
public enum ChannelBill {
    /// At most this many bytes are unpacked from one archive.
    public static let maximumUnpacked = 256 << 20

    public static func isZIP(_ bytes: some Collection<UInt8>) -> Bool { Array(bytes.prefix(4)) == [0x50, 0x4B, 0x03, 0x04] }

    /// The detail file of an Alipay bill archive (the CSV whose header names 商户订单号 and a
    /// business type), as UTF-8. Entry names are GBK too, so the file is found by its content.
    public static func alipayDetail(zip data: Data) throws(PaymentError) -> String {
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch { throw PaymentError("the bill is not a readable ZIP archive") }
        var unpacked = 0
        var texts: [String] = []
        for entry in archive where entry.type == .file {
            guard texts.count < 16 else { throw PaymentError("the bill archive has too many files") }
            let size = Int(clamping: entry.uncompressedSize)
            unpacked += size
            guard unpacked <= maximumUnpacked else { throw PaymentError("the bill archive unpacks to more than \(maximumUnpacked >> 20) MiB") }
            var bytes = Data()
            bytes.reserveCapacity(size)
            do {
                _ = try archive.extract(entry) { chunk in
                    guard bytes.count + chunk.count <= size else { throw PaymentError("an entry is larger than it says") }
                    bytes.append(chunk)
                }
            } catch {
                throw PaymentError("the bill archive is damaged: \(error)")
            }
            texts.append(try decode(bytes))
        }
        guard let detail = texts.first(where: { text in
            text.split(whereSeparator: \.isNewline).contains { line in !line.hasPrefix("#") && line.contains("商户订单号") && line.contains("业务类型") }
        }) else { throw PaymentError("the bill archive has no detail file (a CSV with 商户订单号 and 业务类型)") }
        return detail
    }

    /// Text that is UTF-8 as it is, or else GBK (GB 18030, its superset) converted.
    public static func decode(_ bytes: Data) throws(PaymentError) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        guard let text = String(validating: try convert(Array(bytes), from: "GB18030", to: "UTF-8"), as: UTF8.self) else {
            throw PaymentError("conversion gave invalid UTF-8")
        }
        return text
    }

    /// UTF-8 text in GBK (what Alipay writes; the sandbox and tests use it).
    public static func gbk(_ text: String) throws(PaymentError) -> Data {
        Data(try convert(Array(text.utf8), from: "UTF-8", to: "GB18030"))
    }

    /// iconv, one handle per call (a handle is not shared between threads).
    static func convert(_ input: [UInt8], from source: String, to target: String) throws(PaymentError) -> [UInt8] {
        guard let handle = iconv_open(target, source), handle != iconv_t(bitPattern: -1) else { throw PaymentError("no \(source) converter here") }
        defer { iconv_close(handle) }
        var input = input.map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: input.count * 2 + 16)
        var inLeft = input.count, outLeft = output.count
        let result = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer = inBuffer.baseAddress
                var outPointer = outBuffer.baseAddress
                return iconv(handle, &inPointer, &inLeft, &outPointer, &outLeft)
            }
        }
        guard result != -1, inLeft == 0 else { throw PaymentError("the bill is neither UTF-8 nor \(source)") }
        return output[..<(output.count - outLeft)].map { UInt8(bitPattern: $0) }
    }
}
