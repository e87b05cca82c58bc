import ArgumentParser
import ChainstoreApp

/// `chainstore pg-role-agent`: HAProxy's role check for one PostgreSQL node (see `RoleAgent`).
struct RoleAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pg-role-agent",
        abstract: "Answer HAProxy's health checks for one PostgreSQL node over HTTP (/primary, /replica, /health: 200 or 503), as Patroni's REST API does.",
        discussion: """
            HAProxy: option httpchk GET /primary (the read-write backend) or GET /replica (the read-only one), \
            with `server pg1 HOST:5432 check port AGENT_PORT`. Deploy one agent beside each PostgreSQL node, \
            or use Patroni's own (deploy/patroni).
            """)

    @Option(help: "Address to listen on.") var listen = "127.0.0.1:8008"
    @Option(help: "The node this agent speaks for: postgres://user@host:port/postgres (a user that may connect; no other right is needed).")
    var node: String
    @Option(help: "Another node of the cluster (repeatable): a primary is refused while a peer is primary on a newer timeline.")
    var peer: [String] = []

    func run() async throws {
        let parts = listen.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--listen wants HOST:PORT") }
        try await RoleAgent.serve(host: String(parts[0]), port: port, node: node, peers: peer, logger: CLILogging.logger())
    }
}
