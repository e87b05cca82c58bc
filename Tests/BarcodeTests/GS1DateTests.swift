import Testing

@testable import Barcode

@Suite("GS1 dates and the century window")
struct GS1DateTests {
    static let today = GS1Date(year: 2026, month: 6, day: 15)!

    func expiry(_ yymmdd: String, today: GS1Date = GS1DateTests.today) throws -> GS1Date? {
        try GS1Parser(today: today).parse("17" + yymmdd).elements.first?.date
    }

    @Test("DD = 00 is the last day of the month", arguments: [
        ("260400", "2026-04-30"),
        ("240200", "2024-02-29"),  // leap year
        ("250200", "2025-02-28"),
        ("000200", "2000-02-29"),  // divisible by 400: leap
        ("261200", "2026-12-31"),
        ("260100", "2026-01-31"),
    ])
    func lastDayOfMonth(yymmdd: String, iso: String) throws {
        #expect(try expiry(yymmdd)?.iso == iso)
    }

    @Test("invalid days and months are refused", arguments: [
        ("260431", "day 31 does not exist in 2026-04"),
        ("260230", "day 30 does not exist in 2026-02"),
        ("250229", "day 29 does not exist in 2025-02"),
        ("261301", "month 13 is not 01–12"),
        ("260001", "month 00 is not 01–12"),
    ])
    func invalidDates(yymmdd: String, reason: String) {
        #expect(throws: BarcodeError.invalidDate(ai: "17", value: yymmdd, reason: reason)) { try expiry(yymmdd) }
    }

    @Test func leapDayInLeapYear() throws {
        #expect(try expiry("240229")?.iso == "2024-02-29")
    }

    @Test("sliding century window", arguments: [
        (2026, 76, 2076),  // 50 ahead: current century
        (2026, 77, 1977),  // 51 ahead: previous century
        (2026, 99, 1999),
        (2026, 0, 2000),
        (2026, 26, 2026),
        (2060, 11, 2011),  // 49 behind: current century
        (2060, 10, 2110),  // 50 behind: next century
        (2099, 49, 2149),
        (2099, 50, 2050),
        (2000, 51, 1951),
        (2000, 50, 2050),
    ])
    func centuryWindow(year: Int, twoDigit: Int, expected: Int) {
        let today = GS1Date(year: year, month: 1, day: 1)!
        #expect(GS1Date.fullYear(twoDigit: twoDigit, today: today) == expected)
    }

    @Test func injectedTodayDrivesParsing() throws {
        #expect(try expiry("770101")?.iso == "1977-01-01")
        #expect(try expiry("770101", today: GS1Date(year: 2030, month: 1, day: 1)!)?.iso == "2077-01-01")
    }

    @Test func isoTextRoundTrips() throws {
        #expect(try GS1Date(iso: "2026-06-15") == GS1DateTests.today)
        #expect(GS1Date(year: 2026, month: 2, day: 29) == nil)
        #expect(throws: BarcodeError.invalidInput("date 2026-6-15 is not YYYY-MM-DD")) { try GS1Date(iso: "2026-6-15") }
        #expect(throws: BarcodeError.invalidInput("date 2026-02-30 does not exist")) { try GS1Date(iso: "2026-02-30") }
    }
}
