import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging

/// The world's countries (ISO 3166-1), their subdivisions (ISO 3166-2) and currencies (ISO 4217),
/// read from the iso-codes files the system provides (Debian's `iso-codes`, installed by the
/// scripts) rather than copied into the source: loaded once into `res.country`,
/// `res.country.state` and `res.currency` with Odoo's external ids for countries and currencies
/// (`base.de`, `base.EUR`; other countries' states keep none, as their Odoo ids are not
/// derived from codes). China, its provinces (`base.state_cn_GD`) and CNY are seeded by the
/// migration and left as they are. Without the files only those are there, and a warning says
/// how to get the rest.
public enum Geography {
    public static let folder = "/usr/share/iso-codes/json"

    static func load(_ tx: Transaction, logger: Logger) async throws {
        let known = try await tx.query("SELECT count(*) FROM res_country").first?.decode(Int64.self) ?? 0
        guard known < 200 else { return }
        guard let countries = read("iso_3166-1.json", key: "3166-1"), let currencies = read("iso_4217.json", key: "4217"),
              let subdivisions = read("iso_3166-2.json", key: "3166-2") else {
            logger.warning("iso-codes not found: only China and CNY are known (install the Debian package iso-codes)", metadata: ["folder": "\(folder)"])
            return
        }
        let currencyRows = currencies.compactMap { entry -> (String, String, Int64?)? in
            guard let code = entry["alpha_3"], let name = entry["name"] else { return nil }
            return (code, name, entry["numeric"].flatMap { Int64($0) })
        }
        try await tx.query("""
            INSERT INTO res_currency (name, full_name, iso_numeric, symbol, active, create_date, write_date)
            SELECT c.code, c.name, nullif(c.num, 0), c.code, false, now(), now()
            FROM unnest(\(currencyRows.map(\.0)), \(currencyRows.map(\.1)), \(currencyRows.map { $0.2 ?? 0 })) c(code, name, num)
            ON CONFLICT (name) DO NOTHING
            """)
        let countryRows = countries.compactMap { entry -> (String, String, String?)? in
            guard let code = entry["alpha_2"], let name = entry["common_name"] ?? entry["name"] else { return nil }
            return (code, name, Self.currencies[code] ?? (Self.euro.contains(code) ? "EUR" : nil))
        }
        try await tx.query("""
            INSERT INTO res_country (name, code, currency_id, create_date, write_date)
            SELECT c.name, c.code, (SELECT r.id FROM res_currency r WHERE r.name = nullif(c.currency, '')), now(), now()
            FROM unnest(\(countryRows.map(\.1)), \(countryRows.map(\.0)), \(countryRows.map { $0.2 ?? "" })) c(name, code, currency)
            ON CONFLICT (code) DO NOTHING
            """)
        let stateRows = subdivisions.compactMap { entry -> (String, String, String)? in
            guard let full = entry["code"], let name = entry["name"], entry["parent"] == nil else { return nil }
            let parts = full.split(separator: "-", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0] != "CN" else { return nil }
            return (parts[0], parts[1], name)
        }
        try await tx.query("""
            INSERT INTO res_country_state (country_id, code, name, create_date, write_date)
            SELECT c.id, s.code, s.name, now(), now() FROM unnest(\(stateRows.map(\.0)), \(stateRows.map(\.1)), \(stateRows.map(\.2))) s(country, code, name)
            JOIN res_country c ON c.code = s.country
            ON CONFLICT (country_id, code) DO NOTHING
            """)
        try await tx.query("""
            INSERT INTO ir_model_data (module, name, model, res_id, noupdate, create_date, write_date)
            SELECT 'base', lower(code), 'res.country', id, true, now(), now() FROM res_country
            UNION ALL SELECT 'base', name, 'res.currency', id, true, now(), now() FROM res_currency
            ON CONFLICT (module, name) DO NOTHING
            """)
        logger.info("countries and currencies loaded", metadata: ["countries": "\(countryRows.count)", "currencies": "\(currencyRows.count)"])
    }

    /// The ISO lists do not say which currency a country uses: the group's trading partners'
    /// are named here (others are left empty, to be set by an administrator).
    static let currencies: [String: String] = [
        "HK": "HKD", "MO": "MOP", "TW": "TWD", "US": "USD", "GB": "GBP", "JP": "JPY", "KR": "KRW", "SG": "SGD", "MY": "MYR",
        "TH": "THB", "VN": "VND", "ID": "IDR", "PH": "PHP", "IN": "INR", "AU": "AUD", "NZ": "NZD", "CA": "CAD", "CH": "CHF",
        "RU": "RUB", "AE": "AED", "SA": "SAR", "BR": "BRL", "MX": "MXN", "ZA": "ZAR", "SE": "SEK", "NO": "NOK", "DK": "DKK",
        "PL": "PLN", "TR": "TRY", "KH": "KHR", "LA": "LAK", "MM": "MMK", "MN": "MNT", "KZ": "KZT", "PK": "PKR", "BD": "BDT",
    ]
    static let euro: Set<String> = [
        "AT", "BE", "HR", "CY", "EE", "FI", "FR", "DE", "GR", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PT", "SK", "SI", "ES",
    ]

    static func read(_ file: String, key: String) -> [[String: String]]? {
        guard let bytes = FileManager.default.contents(atPath: folder + "/" + file),
              case .dict(let root) = try? JSONReader.parse(Array(bytes)), case .array(let items) = root[key] else { return nil }
        return items.compactMap { item in
            guard case .dict(let fields) = item else { return nil }
            var entry: [String: String] = [:]
            for (name, value) in fields { if let text = value.stringValue { entry[name] = text } }
            return entry
        }
    }
}
