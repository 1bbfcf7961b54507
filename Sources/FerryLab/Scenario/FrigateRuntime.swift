import FerryJSON
import Foundation

/// Frigate NVR, as the lab's kubelet runs it: what the container does depends on
/// what the node's VM actually sees, which is the whole point of the migration.
///
/// - The `edgetpu` detector with `device: usb` needs a Coral visible in the VM.
///   Opening it makes a Coral re-enumerate (1a6e:089a -> 18d1:9302); a VM whose
///   passthrough names only the first id loses it at that moment, as in frigate#1807.
///   With a Coral: `TPU found`. Without: `No EdgeTPU was detected`, exit 1.
/// - `hwaccel_args: preset-nvidia-*` needs an NVIDIA GPU in the VM; `preset-vaapi`
///   (and `preset-intel-*`) needs `/dev/dri`. Otherwise ffmpeg fails and so does Frigate.
///
/// A Frigate that runs listens on its pod's IP, port 5000 (`AppWebServer`), and
/// answers `GET /api/version` with its version string (`0.14.1-f4f3cfa`) as text.
struct FrigateRuntime: ContainerRuntime {
    let homelab: Homelab
    let store: ObjectStore
    let web = AppWebServers()

    func start(container: JSON, pod: JSON, node: String) async -> ContainerOutcome? {
        guard let image = container["image"].stringValue, image.contains("frigate") else { return nil }
        let version = image.split(separator: ":").last.map(String.init) ?? "stable"
        var log = ["[INFO] frigate.app: Starting Frigate (\(version))"]
        guard let config = await configuration(of: pod) else {
            log.append("[ERROR] frigate.config: config.yml not found in /config; mount it from the ConfigMap")
            return .exited(code: 1, log: log)
        }
        let visible = await homelab.devicesVisible(onNode: node)
        if let preset = config["ffmpeg"]["hwaccel_args"].stringValue {
            if preset.hasPrefix("preset-nvidia"), !visible.contains(where: { $0.identity.vendorID == "10de" }) {
                log.append("[ERROR] frigate.ffmpeg: [AVHWDeviceContext] Cannot load libcuda.so.1")
                log.append("[ERROR] frigate.ffmpeg: Could not create hardware device context for \(preset): no NVIDIA GPU on \(node)")
                return .exited(code: 1, log: log)
            }
            if preset.hasPrefix("preset-vaapi") || preset.hasPrefix("preset-intel"), !visible.contains(where: \.providesDRI) {
                log.append("[ERROR] frigate.ffmpeg: [AVHWDeviceContext] No VA display found for device /dev/dri/renderD128")
                return .exited(code: 1, log: log)
            }
            log.append("[INFO] frigate.ffmpeg: hwaccel \(preset) ready")
        }
        let detectors = config["detectors"].objectValue ?? [:]
        for (name, detector) in detectors.sorted(by: { $0.key < $1.key }) where detector["type"].stringValue == "edgetpu" {
            let device = detector["device"].stringValue ?? "usb"
            log.append("[INFO] detector.\(name): Starting detection process")
            log.append("[INFO] frigate.detectors.plugins.edgetpu_tfl: Attempting to load TPU as \(device)")
            let afterOpen = await homelab.openUSBDevices(onNode: node)
            guard afterOpen.contains(where: Self.isCoral) else {
                log.append(
                    "[ERROR] frigate.detectors.plugins.edgetpu_tfl: No EdgeTPU was detected. If you do not have a Coral "
                        + "device yet, you must configure CPU detectors.")
                return .exited(code: 1, log: log)
            }
            log.append("[INFO] frigate.detectors.plugins.edgetpu_tfl: TPU found")
        }
        if let ip = pod["status"]["podIP"].stringValue {
            do {
                let server = try await AppWebServer(name: "Frigate", host: ip, port: 5000, routes: ["api/version": Self.version(forTag: version)])
                web.add(server, pod: pod.uid, node: node)
            } catch {
                log.append("[ERROR] frigate.app: \(error)")
                return .exited(code: 1, log: log)
            }
        }
        log.append("[INFO] frigate.app: Frigate is running on port 5000")
        return .running(log: log)
    }

    /// A running Frigate whose config uses the Coral dies when the Coral leaves its
    /// VM (unplugged, or lost by re-enumeration), as its detector process does.
    func check(container: JSON, pod: JSON, node: String) async -> ContainerOutcome? {
        guard let image = container["image"].stringValue, image.contains("frigate"),
            let config = await configuration(of: pod),
            (config["detectors"].objectValue ?? [:]).values.contains(where: { $0["type"].stringValue == "edgetpu" })
        else { return nil }
        if await homelab.devicesVisible(onNode: node).contains(where: Self.isCoral) { return nil }
        web.stop(pod: pod.uid)
        return .exited(code: 1, log: [
            "[ERROR] frigate.detectors.plugins.edgetpu_tfl: EdgeTPU is no longer available: USB device disconnected",
            "[INFO] frigate.watchdog: Detection appears to be stuck. Restarting detection process...",
            "[ERROR] frigate.app: Detector process exited; stopping Frigate",
        ])
    }

    func stop(pod: JSON, node: String) async -> Bool {
        web.stop(pod: pod.uid)
        return true
    }

    func release(node: String, keeping live: Set<String>) async {
        web.stop(node: node, keeping: live)
    }

    /// The version `GET /api/version` answers for an image tag: Frigate prints its
    /// release and the commit it was built from.
    static func version(forTag tag: String) -> String {
        let release = tag.first?.isNumber == true ? tag : "0.14.1"
        return "\(release)-f4f3cfa"
    }

    static func isCoral(_ device: Device) -> Bool {
        device.identity.id == "1a6e:089a" || device.identity.id == "18d1:9302"
    }

    /// Frigate's config.yml from the ConfigMap the pod mounts.
    private func configuration(of pod: JSON) async -> JSON? {
        for volume in pod["spec"]["volumes"].arrayValue ?? [] {
            guard let name = volume["configMap"]["name"].stringValue,
                let map = await store.find(ObjectKey(ResourceCatalog.configMaps, namespace: pod.namespace, name: name)),
                let text = map["data"]["config.yml"].stringValue ?? map["data"]["config.yaml"].stringValue
            else { continue }
            return try? JSON.parseYAML(text)
        }
        return nil
    }
}
