import ChainstoreCore
import Foundation
import Testing

@Suite("Password hashes in Odoo's passlib format")
struct PasswordHashTests {
    struct Vector: Decodable { let password: String; let hash: String }
    struct File: Decodable { let vectors: [Vector] }

    /// Vectors made by Python's passlib: fresh ones from the test venv when `./scripts/test`
    /// provides them, else the committed set.
    static func vectors() throws -> [Vector] {
        let path = ProcessInfo.processInfo.environment["CHAINSTORE_PASSLIB_VECTORS"]
            ?? Bundle.module.path(forResource: "passlib-pbkdf2-sha512", ofType: "json", inDirectory: "Fixtures")!
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: URL(fileURLWithPath: path))).vectors
    }

    @Test func passlibHashesVerify() throws {
        let vectors = try Self.vectors()
        #expect(vectors.count >= 5)
        for vector in vectors {
            #expect(PasswordHash.verify(vector.password, against: vector.hash), "\(vector.hash)")
            #expect(!PasswordHash.verify(vector.password + "x", against: vector.hash))
        }
    }

    @Test func ownHashesHaveTheOdooShapeAndVerify() throws {
        let hash = try PasswordHash.hash("s3cret", rounds: 1000)
        let parts = hash.split(separator: "$")
        #expect(parts.count == 4 && parts[0] == "pbkdf2-sha512" && parts[1] == "1000")
        #expect(PasswordHash.verify("s3cret", against: hash))
        #expect(!PasswordHash.verify("S3cret", against: hash))
        #expect(PasswordHash.needsUpgrade(hash))
    }

    @Test(arguments: ["", "plain", "$pbkdf2-sha512$x$abc$def", "$pbkdf2-sha512$1000$!!$??", "$pbkdf2-sha256$1000$abc$def"])
    func malformedHashesNeverVerify(_ stored: String) {
        #expect(!PasswordHash.verify("anything", against: stored))
    }

    @Test func apiKeysAreRecognisedAndDigested() {
        let key = APIKey.generate()
        #expect(APIKey.looksLikeKey(key))
        #expect(!APIKey.looksLikeKey("admin"))
        #expect(APIKey.digest(key) != key && APIKey.digest(key).count == 64)
        #expect(APIKey.index(of: key).count == 8)
    }
}
