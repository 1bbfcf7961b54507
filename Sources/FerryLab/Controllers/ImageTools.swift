import Foundation

/// The programs a container's image gives it. The lab pulls no image: a container
/// runs with this machine's tools, except for the images it knows to be BusyBox
/// based (Alpine and BusyBox, ferry's default helper image among them), which get
/// BusyBox's applets (Debian's `busybox`) and the few programs the image adds, and
/// nothing else. So a script that leans on a GNU option, or a tool the image lacks,
/// fails in the lab as it would on a node.
///
/// Debian's BusyBox is built with fewer applets than Alpine's (no `comm`, for one):
/// a script that runs here runs on Alpine; the converse is not always so.
enum ImageTools: Hashable, Sendable {
    /// This machine's tools (`/usr`, `/bin`, ... bound as they are).
    case host
    /// BusyBox's applets, plus these programs of this machine's, by name.
    case busybox(adding: [String])

    /// The images the lab knows, by repository (registry and tag aside: a mirror's
    /// copy is the same image).
    static func of(image: String) -> ImageTools {
        var repository = ImagePullRuntime.repository(of: image)
        if repository.hasPrefix("library/") { repository.removeFirst("library/".count) }
        switch repository {
        case "busybox", "alpine": return .busybox(adding: [])
        case "instrumentisto/rsync-ssh": return .busybox(adding: ["rsync", "ssh"])
        default: return .host
        }
    }

    /// A problem with making an image's root: what to install.
    struct Missing: Error {
        var message: String
    }

    /// An image's programs as a container sees them: its directories, and the
    /// binaries of this machine's bound over empty files there. A binary is bound, not
    /// copied: a copy is a file open for writing while it is made, and a process
    /// spawned meanwhile by another thread inherits that descriptor, so executing the
    /// copy failed with "Text file busy".
    struct Root: Sendable, Equatable {
        var directory: URL
        /// (path in the container, path on this machine)
        var binaries: [Binary]
    }

    struct Binary: Sendable, Equatable {
        var path: String
        var host: String
    }

    /// The image's `bin`, `sbin`, `usr/bin` and `usr/sbin` under `directory` (made
    /// once per lab and image, reused by every container of it): a symlink to
    /// `/bin/busybox` for each applet where BusyBox installs it, and empty files where
    /// the busybox binary and the added programs are bound. Nil for `.host`.
    func root(in directory: URL) async throws(Missing) -> Root? {
        guard case .busybox(let adding) = self else { return nil }
        let name = (["busybox"] + adding).joined(separator: "+")
        let root = directory.appendingPathComponent(name)
        guard let busybox = Self.locate("busybox") else {
            throw Missing(message: "the lab runs BusyBox-based images (Alpine, BusyBox, \(name.replacingOccurrences(of: "+", with: ", "))) "
                + "with this machine's busybox, and there is none: apt-get install busybox")
        }
        var binaries = [Binary(path: "/bin/busybox", host: busybox)]
        for program in adding {
            guard let path = Self.locate(program) else {
                throw Missing(message: "the lab runs images that add \(program) with this machine's \(program), and there is none: apt-get install \(program)")
            }
            binaries.append(Binary(path: "/usr/bin/\(program)", host: path))
        }
        let made = Root(directory: root, binaries: binaries)
        let done = root.appendingPathComponent(".ready")
        if FileManager.default.fileExists(atPath: done.path) { return made }
        let files = FileManager.default
        do {
            try? files.removeItem(at: root)
            for sub in ["bin", "sbin", "usr/bin", "usr/sbin"] {
                try files.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
            }
            for binary in binaries {
                guard files.createFile(atPath: root.appendingPathComponent(binary.path).path, contents: nil) else {
                    throw Missing(message: "cannot make \(binary.path) under \(root.path)")
                }
            }
            for applet in try await Self.applets(busybox) where applet != "bin/busybox" {
                try? files.createSymbolicLink(atPath: root.appendingPathComponent(applet).path, withDestinationPath: "/bin/busybox")
            }
            _ = files.createFile(atPath: done.path, contents: nil)
        } catch let missing as Missing {
            throw missing
        } catch {
            throw Missing(message: "cannot make the image's tools in \(root.path): \(error.localizedDescription)")
        }
        return made
    }

    /// `busybox --list-full`: where each applet lives, as `usr/bin/awk`.
    private static func applets(_ busybox: String) async throws -> [String] {
        let listed = try await LabProcess.run(busybox, ["--list-full"])
        return listed.stdout.split(separator: "\n").map(String.init).filter { !$0.contains("..") && !$0.hasPrefix("/") }
    }

    private static func locate(_ name: String) -> String? {
        ["/usr/bin", "/bin", "/usr/sbin", "/sbin"].map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// The roots of the images the lab's containers ran, made once each: two containers
/// of one image starting at once wait for the same making.
actor ImageRoots {
    let directory: URL
    private var making: [ImageTools: Task<Result<ImageTools.Root?, ImageTools.Missing>, Never>] = [:]

    init(directory: URL) {
        self.directory = directory
    }

    func root(for tools: ImageTools) async -> Result<ImageTools.Root?, ImageTools.Missing> {
        if tools == .host { return .success(nil) }
        if let task = making[tools] { return await task.value }
        let directory = self.directory
        let task = Task { () -> Result<ImageTools.Root?, ImageTools.Missing> in
            do throws(ImageTools.Missing) { return .success(try await tools.root(in: directory)) } catch { return .failure(error) }
        }
        making[tools] = task
        return await task.value
    }
}
