import ChainstoreCore
import ChainstoreDB
import Foundation

extension Base {
    /// Business methods of the base module callable over RPC.
    public static let methods: [ModelMethod] = [
        // `ir.model.data.check_object_reference(module, name)` → `[model, res_id]`: `env.ref`.
        ModelMethod(model: "ir.model.data", name: "check_object_reference", receiver: .model) { call in
            guard case .string(let module)? = call.argument(0, "module"),
                case .string(let name)? = call.argument(1, "xml_id")
            else { throw ChainstoreError.typeError("check_object_reference() takes a module and a name") }
            let rows = try await call.store.searchRead(
                "ir.model.data", domain: .and([.leaf("module", .equal, .string(module)), .leaf("name", .equal, .string(name))]),
                fields: ["model", "res_id"], limit: 1)
            guard let row = rows.first else { throw ChainstoreError.valueError("External ID not found in the system: \(module).\(name)") }
            return .array([row["model"] ?? .false, row["res_id"] ?? .false])
        },
        // `ir.model.access.check(model, mode, raise_exception=True)`: odooly's `env.access()`.
        ModelMethod(model: "ir.model.access", name: "check", receiver: .model) { call in
            guard case .string(let model)? = call.argument(0, "model") else {
                throw ChainstoreError.typeError("check() takes a model name")
            }
            let mode = call.argument(1, "mode")?.stringValue ?? "read"
            guard let operation = Operation(rawValue: mode) else { throw ChainstoreError.valueError("Invalid access mode '\(mode)'") }
            let raise = call.argument(2, "raise_exception")?.boolValue ?? true
            do {
                try await call.store.checkAccess(try call.store.model(model), operation)
                return .true
            } catch let error as ChainstoreError where error.code == .accessError && !raise {
                return .false
            }
        },
        // `ir.cron.method_direct_trigger()` ("Run Manually"): the job becomes due now and a cron
        // node claims it as any scheduled run (never run here, beside a scheduled run).
        ModelMethod(model: "ir.cron", name: "method_direct_trigger", receiver: .records) { call in
            let now = Date().formatted(Date.ISO8601FormatStyle(dateSeparator: .dash, dateTimeSeparator: .space, timeSeparator: .colon, timeZone: .gmt)
                .year().month().day().time(includingFractionalSeconds: false))
            try await call.store.write("ir.cron", ids: call.ids, ["nextcall": .string(now)])
            return .true
        },
    ]
}
