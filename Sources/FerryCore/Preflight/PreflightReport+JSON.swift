import FerryJSON

extension PreflightReport {
    /// The machine-readable form (`ferry check -o json`):
    ///
    ///     {"apiVersion": "ferry.dev/v1", "kind": "PreflightReport",
    ///      "plan": "frigate-piglet-to-fawn", "ok": true, "targetAccess": "guest-agent",
    ///      "counts": {"pass": 14, "warn": 0, "fail": 0, "skip": 0}, "elapsedMs": 812,
    ///      "checks": [{"id": "vm-access.k3s-vm-still-fawn", "check": "vm-access k3s-vm-still-fawn", "status": "pass", "reason": "...", "fix": null}, ...]}
    public var json: JSON {
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        return [
            "apiVersion": "ferry.dev/v1", "kind": "PreflightReport",
            "plan": .string(plan),
            "ok": .bool(!blocks),
            "targetAccess": targetAccess.map { .string($0.rawValue) } ?? .null,
            "counts": .object(Dictionary(uniqueKeysWithValues: PreflightResult.Status.allCases.map {
                ($0.rawValue, JSON.int(Int64(count($0))))
            })),
            "elapsedMs": .int(milliseconds),
            "checks": .array(results.map { result in
                [
                    "id": .string(result.id), "check": .string(result.check), "status": .string(result.status.rawValue),
                    "reason": .string(result.reason), "fix": result.fix.map { .string($0) } ?? .null,
                ]
            }),
        ]
    }
}
