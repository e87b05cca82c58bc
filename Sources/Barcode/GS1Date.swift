// Calendar dates without Foundation: enough for GS1 YYMMDD fields, the sliding
// century window and ISO text. "Today" is always passed in, never read from a
// clock, so results are reproducible.

/// A proleptic Gregorian calendar date.
public struct GS1Date: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A checked date: month 1–12, day within the month.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= GS1Date.daysIn(month: month, year: year) else {
            return nil
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`.
    public init(iso text: String) throws(BarcodeError) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D else {
            throw .invalidInput("date \(text) is not YYYY-MM-DD")
        }
        func number(_ range: Range<Int>) throws(BarcodeError) -> Int {
            var value = 0
            for index in range {
                guard ASCII.isDigit(bytes[index]) else { throw .invalidInput("date \(text) is not YYYY-MM-DD") }
                value = value * 10 + Int(bytes[index] - ASCII.zero)
            }
            return value
        }
        let year = try number(0..<4), month = try number(5..<7), day = try number(8..<10)
        guard let date = GS1Date(year: year, month: month, day: day) else {
            throw .invalidInput("date \(text) does not exist")
        }
        self = date
    }

    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The four-digit year of a two-digit GS1 year, by GS1's sliding window: more
    /// than 50 years ahead of `today`'s year means the previous century, more than
    /// 49 years behind means the next one, otherwise the current century.
    public static func fullYear(twoDigit yy: Int, today: GS1Date) -> Int {
        let century = today.year - today.year % 100
        let difference = yy - today.year % 100
        if difference > 50 { return century - 100 + yy }
        if difference < -49 { return century + 100 + yy }
        return century + yy
    }

    /// ISO 8601 `YYYY-MM-DD`.
    public var iso: String {
        ASCII.padded(UInt64(max(year, 0)), width: 4) + "-" + ASCII.padded(UInt64(month), width: 2) + "-"
            + ASCII.padded(UInt64(day), width: 2)
    }

    public var description: String { iso }

    public static func < (lhs: GS1Date, rhs: GS1Date) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}

extension GS1Date {
    /// Reads a GS1 `YYMMDD` field. `DD` = `00` means the last day of the month;
    /// any other day that the month does not have is an error.
    static func fromYYMMDD(_ data: ArraySlice<UInt8>, ai: String, today: GS1Date) throws(BarcodeError) -> GS1Date {
        let text = ASCII.string(data)
        let d = data.map { Int($0 &- ASCII.zero) }
        let yy = d[0] * 10 + d[1], month = d[2] * 10 + d[3], dd = d[4] * 10 + d[5]
        guard (1...12).contains(month) else {
            throw .invalidDate(ai: ai, value: text, reason: "month \(d[2])\(d[3]) is not 01–12")
        }
        let year = fullYear(twoDigit: yy, today: today)
        let last = daysIn(month: month, year: year)
        guard dd <= last else {
            throw .invalidDate(ai: ai, value: text, reason: "day \(dd) does not exist in \(year)-\(ASCII.padded(UInt64(month), width: 2))")
        }
        return GS1Date(year: year, month: month, day: dd == 0 ? last : dd)!
    }
}
