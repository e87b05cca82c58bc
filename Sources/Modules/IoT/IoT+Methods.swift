import ChainstoreCore
import ChainstoreDB

extension IoT {
    /// The devices' business methods over RPC and the back office's buttons.
    static let methods: [ModelMethod] = [
        // `iot.device.issue_credential()`: a new token for the broker (the previous one revoked),
        // shown once: `{"username", "password", "client_id", "topic_prefix"}`.
        ModelMethod(model: "iot.device", name: "issue_credential", receiver: .records) { call in
            guard call.ids.count == 1 else { throw ChainstoreError.userError("Issue a credential for one device at a time.") }
            return try await BrokerAuth.issue(call.store, device: call.ids[0])
        },
        ModelMethod(model: "iot.device", name: "revoke_credentials", receiver: .records) { call in
            try await BrokerAuth.revoke(call.store, devices: call.ids)
            return .true
        },
        // `iot.device.send_command(type, params={}, expires_in=60, when_offline="queue",
        // ack_timeout=10, result_timeout=30, max_attempts=3)`: answers the `iot.command` id.
        ModelMethod(model: "iot.device", name: "send_command", receiver: .records) { call in
            guard call.ids.count == 1 else { throw ChainstoreError.userError("Send a command to one device at a time.") }
            try await call.store.lockAndCheck(try call.store.model("iot.device"), ids: call.ids, operation: .write)
            guard case .string(let type)? = call.argument(0, "type") else {
                throw ChainstoreError.valueError("send_command needs the command's type")
            }
            func number(_ name: String, _ position: Int, _ fallback: Int) throws -> Int {
                let value = call.argument(position, name)
                guard let value, !value.isEmpty else { return fallback }
                guard let number = value.intValue else { throw ChainstoreError.valueError("\(name) is a number of seconds or attempts") }
                return Int(number)
            }
            let offline = call.argument(3, "when_offline")?.stringValue ?? "queue"
            guard let policy = Commands.Offline(rawValue: offline) else { throw ChainstoreError.valueError("when_offline is queue or reject") }
            let params = call.argument(1, "params") ?? .dict([:])
            let id = try await Commands.send(
                call.store, device: call.ids[0], type: type, params: params.isEmpty ? .dict([:]) : params, expiresIn: try number("expires_in", 2, 60),
                whenOffline: policy, ackTimeout: try number("ack_timeout", 4, 10), resultTimeout: try number("result_timeout", 5, 30),
                maxAttempts: try number("max_attempts", 6, 3))
            return .int(id)
        },
        // `iot.device.read_telemetry(metric, start=None, end=None, step="raw")`.
        ModelMethod(model: "iot.device", name: "read_telemetry", receiver: .records) { call in
            guard call.ids.count == 1 else { throw ChainstoreError.userError("Read the telemetry of one device at a time.") }
            guard case .string(let metric)? = call.argument(0, "metric") else {
                throw ChainstoreError.valueError("read_telemetry needs the metric's name")
            }
            func text(_ name: String, _ position: Int) -> String? {
                call.argument(position, name)?.stringValue
            }
            return try await TelemetryStore.read(call.store, device: call.ids[0], metric: metric, start: text("start", 1), end: text("end", 2),
                                                 step: text("step", 3) ?? "raw")
        },
        // `stock.picking.action_pick_to_light()`: lights the shelves of the transfers' lines.
        ModelMethod(model: "stock.picking", name: "action_pick_to_light", receiver: .records) { call in
            try await PickToLight.light(call.store, pickings: call.ids)
        },
        // `stock.picking.batch.action_pick_to_light()`: the same for every transfer of the waves.
        ModelMethod(model: "stock.picking.batch", name: "action_pick_to_light", receiver: .records) { call in
            try await call.store.lockAndCheck(try call.store.model("stock.picking.batch"), ids: call.ids, operation: .read)
            let sql: SQLBuilder = "SELECT id FROM stock_picking WHERE batch_id = ANY(\(call.ids)) ORDER BY id"
            let pickings = try await call.store.tx.query(sql).map { try $0.decode(Int64.self) }
            return try await PickToLight.light(call.store, pickings: pickings)
        },
    ]
}
