import FerryJSON

/// Generated name suffixes in Kubernetes' alphabet (no vowels, no 0/1/3, so that
/// generated names never spell words or look alike), as in `frigate-7d8ff58b5d-v9n4p`.
enum RandomName {
    static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    static func suffix(length: Int) -> String {
        String((0..<length).map { _ in alphabet.randomElement()! })
    }

    /// A stable 10-character hash of a pod template, as the `pod-template-hash` label.
    static func templateHash(_ template: JSON) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in template.serialized.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        var out = ""
        for _ in 0..<10 {
            out.append(alphabet[Int(hash % UInt64(alphabet.count))])
            hash /= UInt64(alphabet.count)
        }
        return out
    }
}
