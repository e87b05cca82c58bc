import ChainstoreCore
import Testing

/// RFC 6238's own test vectors (appendix B, SHA-1, secret "12345678901234567890"), the last six
/// digits of each; base32 per RFC 4648's vectors.
@Suite("TOTP")
struct TOTPTests {
    let secret = Array("12345678901234567890".utf8)

    @Test(arguments: [
        (Int64(59), "287082"), (1_111_111_109, "081804"), (1_111_111_111, "050471"), (1_234_567_890, "005924"),
        (2_000_000_000, "279037"), (20_000_000_000, "353130"),
    ])
    func rfcVectors(seconds: Int64, code: String) {
        #expect(TOTP.code(secret: secret, step: TOTP.step(at: seconds)) == code)
        #expect(TOTP.matchingStep(secret: secret, code: code, at: seconds) == TOTP.step(at: seconds))
    }

    @Test func oneStepOfDriftIsAcceptedTwoAreNot() {
        let code = TOTP.code(secret: secret, step: TOTP.step(at: 1_000_000))
        #expect(TOTP.matchingStep(secret: secret, code: code, at: 1_000_000 + 30) != nil)
        #expect(TOTP.matchingStep(secret: secret, code: code, at: 1_000_000 - 30) != nil)
        #expect(TOTP.matchingStep(secret: secret, code: code, at: 1_000_000 + 61) == nil)
        #expect(TOTP.matchingStep(secret: secret, code: "12345", at: 1_000_000) == nil)
        #expect(TOTP.matchingStep(secret: secret, code: "12a456", at: 1_000_000) == nil)
        #expect(TOTP.matchingStep(secret: secret, code: "１２３４５６", at: 1_000_000) == nil)
    }

    @Test func base32RoundTrips() {
        #expect(TOTP.base32(Array("foobar".utf8)) == "MZXW6YTBOI")
        #expect(TOTP.base32(Array("f".utf8)) == "MY")
        #expect(TOTP.fromBase32("mzxw6ytboi") == Array("foobar".utf8))
        #expect(TOTP.fromBase32("MZ1") == nil)
        let secret = TOTP.newSecret()
        #expect(TOTP.fromBase32(TOTP.base32(secret)) == secret)
        #expect(TOTP.uri(secret: Array("foobar".utf8), account: "store1@demo", issuer: "Chainstore 连锁")
            == "otpauth://totp/Chainstore%20%E8%BF%9E%E9%94%81:store1%40demo?secret=MZXW6YTBOI&issuer=Chainstore%20%E8%BF%9E%E9%94%81&algorithm=SHA1&digits=6&period=30")
    }
}
