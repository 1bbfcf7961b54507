/// The JSON bodies of the lab's control endpoint (`LabControlServer`). Every request
/// carries `Authorization: Bearer TOKEN` (the token in `DIR/control.json`).
///
/// | request | body | answer |
/// | --- | --- | --- |
/// | `GET /v1/status` | | `LabStatus` |
/// | `POST /v1/move-device` | `{"device": "coral", "host": "still-fawn"}` | `Reply` |
/// | `POST /v1/fault` | `{"name": "ssh-refused", "on": true, "target": "k3s-vm-pve"}` | `Reply` |
///
/// A refusal answers 4xx/5xx with `{"error": "sentence"}` (`Failure`).
public enum LabControlRequest {
    public struct MoveDevice: Codable, Sendable, Equatable {
        /// The lab's name for the device (`coral`).
        public var device: String
        /// The Proxmox host to plug it into (`still-fawn`).
        public var host: String

        public init(device: String, host: String) {
            self.device = device
            self.host = host
        }
    }

    public struct Fault: Codable, Sendable, Equatable {
        /// A `LabControlFault` raw value (`ssh-refused`).
        public var name: String
        public var on: Bool
        /// What the fault applies to, for the faults that take one.
        public var target: String?
        /// api-errors: the failing fraction (0...1); api-latency: milliseconds.
        public var value: Double?

        public init(name: String, on: Bool, target: String? = nil, value: Double? = nil) {
            self.name = name
            self.on = on
            self.target = target
            self.value = value
        }
    }

    /// A successful change, said in a sentence (`coral is now on still-fawn (port 2-1)`).
    public struct Reply: Codable, Sendable, Equatable {
        public var message: String

        public init(message: String) { self.message = message }
    }

    /// A refused request.
    public struct Failure: Codable, Sendable, Equatable {
        public var error: String

        public init(error: String) { self.error = error }
    }
}
