import Metrics

/// Pool use and transaction outcomes, with low-cardinality labels only.
enum DatabaseMetrics {
    static let inUse = Meter(label: "chainstore_db_connections_in_use")
    static let committed = Timer(label: "chainstore_db_transaction_duration", dimensions: [("outcome", "commit")])
    static let rolledBack = Timer(label: "chainstore_db_transaction_duration", dimensions: [("outcome", "rollback")])
    static let retries = Counter(label: "chainstore_db_transaction_retries_total")
    static let unreplicatedCommits = Counter(label: "chainstore_db_unreplicated_commits_total")
    static let leaseWait = Timer(label: "chainstore_db_connection_lease_duration")
}
