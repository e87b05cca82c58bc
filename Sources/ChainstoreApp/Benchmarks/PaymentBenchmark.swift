import Base
import ChainstoreCore
import ChainstoreDB
import Foundation
import Logging
import Payment
import Payments
import Synchronization

/// `chainstore bench payments`: payment attempts taken by many tills at once against a channel
/// (the sandbox, started by the command), and the latency Chainstore adds to a successful
/// payment — signing, the write-ahead and the settlement in the database, verification — with
/// the channel's own time taken out. Prints figures; never pass/fail.
public enum PaymentBenchmark {
    public static func run(
        _ database: Database, accounts: [any PaymentGateway], tills: Int, payments: Int, logger: Logger, print: @Sendable (String) -> Void
    ) async throws {
        let env = try await database.transaction(logger: logger) { tx in try await EnvLoader.load(tx, uid: 2, logger: logger) }
        for account in accounts {
            let channel = account.channel
            let flow = PaymentFlow(database: database, gateways: [channel: TimedGateway(inner: account)], logger: logger)
            let label = channel == .wechat ? "wechat \(account.api)" : channel.rawValue
            let counter = Counter()
            let prefix = channel == .wechat ? "1345678901234" : "2879516698917"
            let start = ContinuousClock.now
            let samples = try await withThrowingTaskGroup(of: [(Double, Double)].self) { group in
                for till in 0..<tills {
                    group.addTask {
                        var mine: [(Double, Double)] = []
                        while true {
                            let n = counter.value.add(1, ordering: .relaxed).newValue
                            if n > payments { break }
                            let spent = Spent()
                            let began = ContinuousClock.now
                            let attempt = try await GatewayClock.$spent.withValue(spent) {
                                try await flow.pay(env: env, orderKey: "bench-\(label)-\(till)-\(n)-\(UUID().uuidString.prefix(8))", attempt: 1,
                                                   authCode: prefix + String(n % 1_000).leftPadded(to: 3) + "00", amount: 1250, subject: "bench", company: 1)
                            }
                            guard attempt.state == .paid else { continue }
                            let total = seconds(ContinuousClock.now - began)
                            mine.append((total, total - seconds(spent.value.withLock { $0 })))
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: [(Double, Double)]()) { $0 += $1 }
            }
            let elapsed = seconds(ContinuousClock.now - start)
            let added = samples.map(\.1).sorted()
            let totals = samples.map(\.0).sorted()
            func percentile(_ values: [Double], _ p: Double) -> Double { values.isEmpty ? 0 : values[min(values.count - 1, Int(Double(values.count) * p))] }
            print(String(format: "%-10@ %d payments from %d tills at once   %7.1f settled/s | end to end p50 %6.1f ms p99 %6.1f ms | added by Chainstore p50 %5.1f ms p99 %5.1f ms",
                         label as NSString, samples.count, tills, Double(samples.count) / elapsed, percentile(totals, 0.5) * 1000,
                         percentile(totals, 0.99) * 1000, percentile(added, 0.5) * 1000, percentile(added, 0.99) * 1000))
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

/// Time spent waiting on the channel during one payment.
final class Spent: Sendable {
    let value = Mutex<Duration>(.zero)
}

enum GatewayClock {
    @TaskLocal static var spent: Spent?
}

/// A gateway that adds the time of each call to the payment's `Spent`.
struct TimedGateway: PaymentGateway {
    let inner: any PaymentGateway
    var channel: PaymentChannel { inner.channel }
    var api: String { inner.api }

    func timed(_ body: () async -> ChannelReply) async -> ChannelReply {
        let start = ContinuousClock.now
        let reply = await body()
        let spent = ContinuousClock.now - start
        GatewayClock.spent?.value.withLock { $0 += spent }
        return reply
    }

    func pay(reference: String, authCode: String, amount: Int64, subject: String) async -> ChannelReply {
        await timed { await inner.pay(reference: reference, authCode: authCode, amount: amount, subject: subject) }
    }
    func query(reference: String, amount: Int64) async -> ChannelReply { await timed { await inner.query(reference: reference, amount: amount) } }
    func reverse(reference: String) async -> ChannelReply { await timed { await inner.reverse(reference: reference) } }
    func refund(reference: String, refundId: String, total: Int64, amount: Int64) async -> ChannelReply {
        await timed { await inner.refund(reference: reference, refundId: refundId, total: total, amount: amount) }
    }
    func refundQuery(reference: String, refundId: String) async -> ChannelReply {
        await timed { await inner.refundQuery(reference: reference, refundId: refundId) }
    }
    func bill(date: String) async throws(PaymentError) -> String { try await inner.bill(date: date) }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
