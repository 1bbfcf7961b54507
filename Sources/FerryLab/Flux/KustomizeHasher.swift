import Crypto
import FerryJSON
import Foundation

/// The name suffix kustomize gives a generated ConfigMap or Secret, computed as
/// kustomize's `api/hasher/hasher.go` computes it, so that the lab's names are the
/// ones `kustomize build` prints: SHA-256 over the JSON encoding (sorted keys) of
/// `{"kind", "name", "data"}` (and `binaryData` when it is a map; for a Secret also
/// `type`, and `stringData` when it is a map), where a missing `data` is `""`; then the
/// first 10 hex digits with 0, 1, 3, a and e mapped to g, h, k, m and t, so that the
/// suffix has no vowels and is never all digits.
enum KustomizeHasher {
    /// The suffix for `object` (a ConfigMap or a Secret), for example `9g67k2htb6`.
    static func suffix(of object: JSON) -> String {
        let kind = object["kind"].stringValue ?? ""
        var fields: [String: JSON] = [
            "kind": .string(kind),
            "name": .string(object["metadata"]["name"].stringValue ?? ""),
            "data": object["data"].isNull ? "" : object["data"],
        ]
        if kind == "Secret" {
            fields["type"] = object["type"].isNull ? "" : object["type"]
            if object["stringData"].objectValue != nil { fields["stringData"] = object["stringData"] }
        } else if object["binaryData"].objectValue != nil {
            fields["binaryData"] = object["binaryData"]
        }
        return encode(hex256(goJSON(.object(fields))))
    }

    /// kustomize's `encode` (copied there from kubectl's `hash.go`).
    static func encode(_ hex: String) -> String {
        String(hex.prefix(10).map { character -> Character in
            switch character {
            case "0": "g"
            case "1": "h"
            case "3": "k"
            case "a": "m"
            case "e": "t"
            default: character
            }
        })
    }

    static func hex256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Go's `json.Marshal` of the same value: FerryJSON already sorts keys and escapes
    /// `<`, `>` and `&` as Go does; Go also escapes U+2028 and U+2029.
    static func goJSON(_ value: JSON) -> String {
        value.serialized.replacingOccurrences(of: "\u{2028}", with: "\\u2028")
            .replacingOccurrences(of: "\u{2029}", with: "\\u2029")
    }
}
