import Barcode
import ChainstoreCore
import ChainstoreDB
import Foundation

/// Two-factor sign-in with TOTP (authenticator apps): enrolment with a QR code, ten recovery
/// codes (each good once; only their digests are kept), a code accepted once (the last time step
/// used is remembered), and groups that require it (`res.groups.totp_required`: their members
/// enrol at their next web sign-in). A user with a second factor signs in to the web with the
/// password and a code; calls (XML-RPC, HTTP Basic) then need an API key, as in Odoo.
public enum TwoFactor {
    public static let issuer = "Chainstore"
    static let recoveryCodes = 10

    /// What a web sign-in of `uid` waits for after the password.
    public static func awaited(_ tx: Transaction, uid: Int64) async throws -> SecondFactor {
        let sql: SQLBuilder = """
            SELECT u.totp_secret IS NOT NULL,
                   EXISTS (SELECT 1 FROM res_groups_users_rel r JOIN res_groups g ON g.id = r.gid WHERE r.uid = u.id AND g.totp_required)
            FROM res_users u WHERE u.id = \(uid)
            """
        guard let row = try await tx.query(sql).first else { return .none }
        let (enabled, required) = try row.decode((Bool, Bool).self)
        return enabled ? .code : required ? .enrol : .none
    }

    /// Whether `code` is the user's current code (not used before) or one of its recovery codes
    /// (then spent).
    public static func check(_ tx: Transaction, uid: Int64, code: String, now: Date = Date()) async throws -> Bool {
        let sql: SQLBuilder = "SELECT totp_secret, totp_last_step FROM res_users WHERE id = \(uid) FOR UPDATE"
        guard let row = try await tx.query(sql).first else { return false }
        let (text, last) = try row.decode((String?, Int64?).self)
        guard let text, let secret = TOTP.fromBase32(text) else { return false }
        if let step = TOTP.matchingStep(secret: secret, code: code, at: Int64(now.timeIntervalSince1970)) {
            guard step > (last ?? .min) else { return false }
            try await tx.query("UPDATE res_users SET totp_last_step = \(step) WHERE id = \(uid)")
            return true
        }
        let spent: SQLBuilder = """
            DELETE FROM res_users_recovery_code WHERE uid = \(uid) AND code_digest = \(APIKey.digest(normalized(code))) RETURNING 1
            """
        return try await !tx.query(spent).isEmpty
    }

    /// A new secret for the session of `token` to enrol: its base32 text, the `otpauth://`
    /// address and that address as an SVG QR code. Kept in the session until `enable`.
    public static func begin(_ tx: Transaction, token: String, uid: Int64, database: String) async throws -> (secret: String, uri: String, svg: String) {
        guard let login = try await tx.query("SELECT login FROM res_users WHERE id = \(uid)").first?.decode(String.self) else {
            throw ChainstoreError(.sessionExpired, "Session expired")
        }
        let secret = TOTP.newSecret()
        let text = TOTP.base32(secret)
        try await WebSessions.setEnrolling(tx, token: token, secret: text)
        let uri = TOTP.uri(secret: secret, account: "\(login)@\(database)", issuer: issuer)
        return (text, uri, try QRCode.encode(uri, correction: .medium).svg(moduleSize: 4))
    }

    /// Turns on the second factor of `uid` with the secret its session enrolled, when `code`
    /// proves the app has it; answers the recovery codes, shown once. Other sessions of the user end.
    public static func enable(_ tx: Transaction, token: String, uid: Int64, code: String, now: Date = Date()) async throws -> [String] {
        guard let text = try await WebSessions.enrolling(tx, token: token), let secret = TOTP.fromBase32(text) else {
            throw ChainstoreError.userError("Start the enrolment first: scan the new QR code with your authenticator app.")
        }
        guard let step = TOTP.matchingStep(secret: secret, code: code, at: Int64(now.timeIntervalSince1970)) else {
            throw ChainstoreError.validation("The code is not the one your authenticator app shows now. Check the phone's clock and try again.")
        }
        try await tx.query("UPDATE res_users SET totp_secret = \(text), totp_last_step = \(step) WHERE id = \(uid)")
        try await WebSessions.setEnrolling(tx, token: token, secret: nil)
        try await tx.query("DELETE FROM res_users_recovery_code WHERE uid = \(uid)")
        let codes = (0..<recoveryCodes).map { _ in newRecoveryCode() }
        let digests = codes.map { APIKey.digest(normalized($0)) }
        try await tx.query("INSERT INTO res_users_recovery_code (uid, code_digest) SELECT \(uid), unnest(\(digests))")
        try await WebSessions.revokeAll(tx, uid: uid, except: token)
        try await audit(tx, actor: uid, user: uid, enabled: true)
        return codes
    }

    /// Turns the second factor of `uid` off (its recovery codes go too), as `actor`.
    public static func disable(_ tx: Transaction, uid: Int64, actor: Int64) async throws {
        try await tx.query("UPDATE res_users SET totp_secret = NULL, totp_last_step = NULL WHERE id = \(uid)")
        try await tx.query("DELETE FROM res_users_recovery_code WHERE uid = \(uid)")
        try await audit(tx, actor: actor, user: uid, enabled: false)
    }

    /// `xxxxx-xxxxx` from the base32 alphabet, lower case (50 bits).
    static func newRecoveryCode() -> String {
        let text = TOTP.base32(PasswordHash.randomBytes(7)).lowercased().prefix(10)
        return String(text.prefix(5)) + "-" + String(text.suffix(5))
    }

    static func normalized(_ code: String) -> String {
        code.lowercased().filter { $0.isLetter || $0.isNumber }
    }

    static func audit(_ tx: Transaction, actor: Int64, user: Int64, enabled: Bool) async throws {
        try await AuditTrail.record(tx, uid: actor, model: "res.users", [.init(recordId: user, companyId: nil, operation: .write, newValues: ["totp_enabled": .bool(enabled)])])
    }
}
