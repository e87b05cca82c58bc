import ArgumentParser
import Barcode
import ChainstoreApp
import ChainstoreCore

struct Codec: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read barcodes and RFID tags as the server does.", subcommands: [Barcode.self, EPC.self, Batch.self, Payments.self, QR.self])

    struct QR: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "qr",
            abstract: "Print the QR code of a text (UTF-8, byte mode) as rows of 1 (dark) and 0 (light), no quiet zone. Exit 1 when it does not fit.")
        @Option(help: "Error correction level: L, M, Q or H.") var correction: String = "M"
        @Option(help: "Use this mask (0–7) instead of the one with the lowest penalty.") var mask: Int?
        @Option(help: "Smallest version to use (1–40); a larger one is taken when the text needs it.") var version: Int = 1
        @Argument(help: "The text to encode (put -- before it if it starts with -).") var text: String

        func validate() throws {
            guard QRCode.Correction(rawValue: correction.uppercased()) != nil else { throw ValidationError("--correction must be L, M, Q or H") }
        }

        func run() throws {
            let code = try QRCode.encode(text, correction: QRCode.Correction(rawValue: correction.uppercased()) ?? .medium, minimumVersion: version, mask: mask)
            print(code.rows.joined(separator: "\n"))
        }
    }

    struct Barcode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain a scan: GTIN, in-store weight or price code, GS1 element string or EPC. Exit 1 when none.")
        @Argument(help: "The scanned text; GS (0x1D) separators as sent, or the (AI) form.") var code: String
        @Option(help: "Today's date for GS1 dates (YYYY-MM-DD); default: today in China.") var today: String?

        func run() throws {
            let text = CodecTools.describe(code, today: try CodecTools.today(today))
            print(text)
            if text.hasPrefix("not a code") { throw ExitCode(1) }
        }
    }

    struct EPC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "epc",
            abstract: "Decode an EPC-96 tag read (hex, PC word optional) or encode a pure identity URI. Exit 1 when invalid.")
        @Argument(help: "Hex from the reader, or urn:epc:id:sgtin|sscc|grai|giai:… to encode.") var input: String
        @Option(help: "Filter value when encoding (SGTIN: 1 point of sale, 2 full case, 6 unit load).") var filter: Int = 0
        @Option(help: "Scheme when encoding, e.g. sgtin-96 (default: the URI's).") var scheme: String?

        func run() throws {
            do {
                print(try CodecTools.epc(input, filter: filter, scheme: scheme))
            } catch let error as ChainstoreError {
                print(error.message)
                throw ExitCode(1)
            }
        }
    }

    struct Batch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Answer a JSON file of codec cases ({\"cases\": [{\"id\", \"kind\", \"input\"}]}) on standard output.")
        @Argument(help: "The cases file.") var file: String
        @Option(help: "Today's date for GS1 dates (YYYY-MM-DD); default: today in China.") var today: String?

        func run() throws {
            print(try CodecTools.batch(contentsOf: file, today: try CodecTools.today(today)))
        }
    }

    struct Payments: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Answer a JSON file of WeChat Pay / Alipay signing, verification and decryption cases (payments.md §6) on standard output.")
        @Argument(help: "The cases file (paths inside it are relative to it).") var file: String

        func run() throws {
            print(try CodecTools.payments(contentsOf: file))
        }
    }
}
