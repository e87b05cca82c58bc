import ChainstoreCore
import ChainstoreDB

extension Base {
    /// Business methods of the base module callable over RPC.
    public static let methods: [ModelMethod] = [
        // `ir.model.access.check(model, mode, raise_exception=True)`: odooly's `env.access()`.
        ModelMethod(model: "ir.model.access", name: "check", receiver: .model) { call in
            guard case .string(let model)? = call.args.first ?? call.kwargs["model"] else {
                throw ChainstoreError.typeError("check() takes a model name")
            }
            let mode = (call.args.count > 1 ? call.args[1] : call.kwargs["mode"])?.stringValue ?? "read"
            guard let operation = Operation(rawValue: mode) else { throw ChainstoreError.valueError("Invalid access mode '\(mode)'") }
            let raise = (call.args.count > 2 ? call.args[2] : call.kwargs["raise_exception"])?.boolValue ?? true
            do {
                try await call.store.checkAccess(try call.store.model(model), operation)
                return .true
            } catch let error as ChainstoreError where error.code == .accessError && !raise {
                return .false
            }
        },
    ]
}
