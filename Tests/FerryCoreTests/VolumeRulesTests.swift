import FerryJSON
import FerryKube
import Testing

@testable import FerryCore

/// Which volumes must move, and how two manifests are told apart: no lab needed.
@Suite struct VolumeRulesTests {
    let target = Node(json: ["metadata": ["name": "k3s-vm-still-fawn", "labels": ["kubernetes.io/hostname": "still-fawn"]]])

    func pv(_ spec: JSON) -> PersistentVolume {
        PersistentVolume(json: ["metadata": ["name": "pv-1"], "spec": spec])
    }

    func affinity(_ key: String, _ op: String, _ values: [String]) -> JSON {
        ["required": ["nodeSelectorTerms": [["matchExpressions": [["key": .string(key), "operator": .string(op),
                                                                     "values": .array(values.map(JSON.string))]]]]]]
    }

    @Test func aVolumePinnedToAnotherHostnameMovesWhateverItsClassIsCalled() {
        let local = pv(["storageClassName": "fast-disks", "local": ["path": "/mnt/a"],
                        "nodeAffinity": affinity("kubernetes.io/hostname", "In", ["pumped-piglet"])])
        #expect(VolumePlacement(pv: local, target: target).needsMove)
    }

    @Test func theTargetsHostnameLabelCountsNotItsNodeName() {
        let onLabel = pv(["hostPath": ["path": "/x"], "nodeAffinity": affinity("kubernetes.io/hostname", "In", ["still-fawn"])])
        #expect(VolumePlacement(pv: onLabel, target: target).verdict == .reachable)
        let onName = pv(["hostPath": ["path": "/x"], "nodeAffinity": affinity("kubernetes.io/hostname", "In", ["k3s-vm-still-fawn"])])
        #expect(VolumePlacement(pv: onName, target: target).needsMove)
    }

    @Test func networkStorageNeedsNothing() {
        #expect(VolumePlacement(pv: pv(["nfs": ["server": "nas", "path": "/export"]]), target: target).verdict == .portable)
        #expect(VolumePlacement(pv: pv(["csi": ["driver": "driver.longhorn.io", "volumeHandle": "v"]]), target: target).verdict == .portable)
    }

    @Test func aZoneAffinityTheTargetMatchesNeedsNothing() {
        var zoned = target
        zoned.labels["topology.kubernetes.io/zone"] = "rack-1"
        let volume = pv(["csi": ["driver": "d", "volumeHandle": "v"], "nodeAffinity": affinity("topology.kubernetes.io/zone", "In", ["rack-1"])])
        #expect(VolumePlacement(pv: volume, target: zoned).verdict == .reachable)
        #expect(VolumePlacement(pv: volume, target: target).needsMove)
    }

    @Test func aComparisonNamesTheFirstPathsThatDiffer() throws {
        let differs = try #require(VolumeComparison(log: """
            rsync: some warning
            ferry-manifest source 4 aaaa
            ferry-manifest target 4 bbbb
            ferry-differs h 1111  ./a b
            ferry-differs h 2222  ./a b
            ferry-differs l 0:0 './latest' -> '2025'
            ferry-differs l 0:0 './latest' -> '2024'
            """))
        #expect(!differs.equal)
        #expect(differs.paths() == ["./a b", "./latest"])
        let same = try #require(VolumeComparison(log: "ferry-manifest source 4 aaaa\nferry-manifest target 4 aaaa\n"))
        #expect(same.equal)
        #expect(VolumeComparison(log: "ferry-manifest source 4 aaaa\n") == nil)  // the target's listing never came
    }
}
