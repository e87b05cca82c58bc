import ArgumentParser
import ChainstoreApp
import Foundation

struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage users: create, set a password, issue or revoke API keys.",
        subcommands: [Create.self, Passwd.self, APIKeyCommand.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user (password from CHAINSTORE_PASSWORD or standard input).")
        @OptionGroup var database: DatabaseArguments
        @Argument(help: "Login.") var login: String
        @Option(help: "Display name.") var name: String?
        @Option(help: "Company id (default: the group company, 1).") var company: Int64 = 1
        @Flag(help: "Make the user an administrator (base.group_system).") var admin = false

        func run() async throws {
            let password = try readPassword()
            let uid = try await withLocation(database) { db, logger in
                try await Accounts.create(db, login: login, name: name ?? login, company: company, admin: admin, password: password, logger: logger)
            }
            print("created user \(login) (id \(uid))")
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's password (from CHAINSTORE_PASSWORD or standard input).")
        @OptionGroup var database: DatabaseArguments
        @Argument(help: "Login.") var login: String

        func run() async throws {
            let password = try readPassword()
            try await withLocation(database) { db, logger in try await Accounts.setPassword(db, login: login, password: password, logger: logger) }
            print("password of \(login) changed")
        }
    }

    struct APIKeyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "apikey", abstract: "Issue an API key for a user (printed once), or revoke keys.")
        @OptionGroup var database: DatabaseArguments
        @Argument(help: "Login.") var login: String
        @Option(help: "Key name.") var name: String = "rpc"
        @Option(help: "Days until the key expires (0: never).") var days: Int = 90
        @Flag(help: "Revoke the user's keys with this name instead of issuing one.") var revoke = false

        func run() async throws {
            if revoke {
                let count = try await withLocation(database) { db, logger in try await Accounts.revokeKeys(db, login: login, name: name, logger: logger) }
                print("revoked \(count) key(s)")
            } else {
                let key = try await withLocation(database) { db, logger in
                    try await Accounts.issueKey(db, login: login, name: name, days: days == 0 ? nil : days, logger: logger)
                }
                print(key)
            }
        }
    }
}

func readPassword() throws -> String {
    if let given = ProcessInfo.processInfo.environment["CHAINSTORE_PASSWORD"], !given.isEmpty { return given }
    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
        throw ValidationError("Give the password on standard input or in CHAINSTORE_PASSWORD.")
    }
    return line
}
