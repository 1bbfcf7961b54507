import FerryJSON
import Foundation

extension MigrationReport {
    public static let apiVersion = "ferry.dev/v1"

    /// `ferry report -o json`: the report as a `ferry.dev/v1` `MigrationReport`
    /// (docs/OUTPUT.md). Absent values are null, so every field is always there.
    public var document: JSON {
        [
            "apiVersion": .string(Self.apiVersion),
            "kind": "MigrationReport",
            "migration": .string(migration),
            "status": .string(status.rawValue),
            "workload": .string(workload),
            "source": Self.json(source),
            "target": Self.json(target),
            "devices": .array(devices.map(JSON.string)),
            "startedAt": Self.json(startedAt),
            "endedAt": Self.json(endedAt),
            "targetAccess": targetAccess.map(JSON.string) ?? .null,
            "timeline": .array(timeline.map(Self.json)),
            "downtime": downtime.map { downtime in
                ["seconds": Self.seconds(downtime.total), "withoutMoveSeconds": Self.seconds(downtime.withoutMove),
                 "moveWaitSeconds": Self.seconds(downtime.moveWait)]
            } ?? .null,
            "moveWaitSeconds": Self.seconds(moveWait),
            "changes": .array(changes.map { group in
                ["system": .string(group.system.rawValue), "changes": .array(group.changes.map { change in
                    ["step": .string(change.step), "title": .string(change.title), "status": .string(change.status.rawValue),
                     "commands": .array(change.commands.map(JSON.string))]
                })]
            }),
            "commit": commit.map { commit in
                ["id": .string(commit.id), "revert": commit.revert.map(JSON.string) ?? .null, "repository": .string(commit.repository),
                 "diff": commit.diff.map(JSON.string) ?? .null, "diffUnavailable": commit.unavailable.map(JSON.string) ?? .null]
            } ?? .null,
            "volumes": .array(volumes.map { volume in
                ["claim": .string(volume.claim), "action": .string(volume.action), "originalPV": volume.originalPV.map(JSON.string) ?? .null,
                 "originalPolicy": volume.originalPolicy.map(JSON.string) ?? .null, "copyPV": volume.copyPV.map(JSON.string) ?? .null,
                 "verifiedEntries": volume.verifiedEntries.map { .int(Int64($0)) } ?? .null, "state": .string(volume.state)]
            }),
            "flux": flux.map { flux in
                ["kustomization": .string(flux.kustomization), "helmRelease": flux.helmRelease.map(JSON.string) ?? .null,
                 "suspendedAt": Self.json(flux.suspendedAt),
                 "resumedAt": Self.json(flux.resumedAt), "resumedBy": flux.resumedBy.map(JSON.string) ?? .null]
            } ?? .null,
            "outcome": [
                "summary": .string(outcome.summary), "failedStep": outcome.failedStep.map(JSON.string) ?? .null,
                "error": outcome.error.map(JSON.string) ?? .null, "undone": .array(outcome.undone.map(JSON.string)),
                "next": outcome.next.map(JSON.string) ?? .null,
            ],
            "notes": .array(notes.map(JSON.string)),
        ]
    }

    private static func json(_ side: Side) -> JSON {
        ["node": .string(side.node), "vm": .string(side.vm), "vmid": .int(Int64(side.vmid)), "host": .string(side.host)]
    }

    private static func json(_ record: StepRecord) -> JSON {
        [
            "step": .string(record.step), "title": .string(record.title), "phase": .string(record.phase.rawValue),
            "status": record.status.map { .string($0.rawValue) } ?? .null,
            "startedAt": json(record.startedAt), "endedAt": json(record.endedAt),
            "seconds": record.duration.map(seconds) ?? .null,
            "undoStartedAt": json(record.undoStartedAt), "undoEndedAt": json(record.undoEndedAt),
            "undoSeconds": record.undoDuration.map(seconds) ?? .null,
            "method": record.method.map(JSON.string) ?? .null,
            "error": record.error.map(JSON.string) ?? .null,
            "failures": .array(record.failures.map { failure in
                ["at": json(failure.at), "message": .string(failure.message), "duringRollback": .bool(failure.duringRollback)]
            }),
        ]
    }

    private static func json(_ date: Date?) -> JSON {
        date.map { .string(Journal.timestamp($0)) } ?? .null
    }

    private static func seconds(_ duration: Duration) -> JSON {
        .double(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
