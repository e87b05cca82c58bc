@testable import ChainstoreApp
import Testing

@Suite("Database filter")
struct DatabaseFilterTests {
    @Test func noFilterShowsEverything() {
        #expect(DatabaseDirectory.matches("demo", filter: nil, host: "erp.example.cn"))
    }

    @Test func hostAndFirstLabelSubstitution() {
        #expect(DatabaseDirectory.matches("guangzhou", filter: "%d", host: "guangzhou.chainstore.cn:8069"))
        #expect(!DatabaseDirectory.matches("shenzhen", filter: "%d", host: "guangzhou.chainstore.cn"))
        #expect(DatabaseDirectory.matches("guangzhou", filter: "%d", host: "www.guangzhou.chainstore.cn"))
        #expect(DatabaseDirectory.matches("erp.example.cn", filter: "%h", host: "erp.example.cn"))
        #expect(!DatabaseDirectory.matches("erpXexample.cn", filter: "%h", host: "erp.example.cn"), "dots in the host are literal")
    }

    @Test func plainRegularExpressionsMatchWholeNames() {
        #expect(DatabaseDirectory.matches("tenant_01", filter: "tenant_.*", host: nil))
        #expect(!DatabaseDirectory.matches("xtenant_01", filter: "tenant_.*", host: nil))
        #expect(!DatabaseDirectory.matches("demo", filter: "(", host: nil), "an invalid filter shows nothing")
    }
}
