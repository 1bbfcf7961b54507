import Crypto
import Foundation
import Testing

@testable import FerryLab

/// The files the lab writes for OpenSSH, and the key format they share.
@Suite("Lab SSH files and keys")
struct SSHFilesTests {
    @Test("ssh_config has a Host block per machine that checks host keys; key files are private")
    func configAndModes() async throws {
        try await SSHFixture.with { lab in
            let config = try String(contentsOf: lab.ssh.configPath, encoding: .utf8)
            let keyPath = lab.ssh.keys.privateKeyPath.path
            let fawn = try lab.ssh.endpoint(SSHName.fawn)
            #expect(config.contains("""
                Host still-fawn.maas
                    HostName 127.0.0.1
                    Port \(fawn.port)
                    User root
                    IdentityFile \(keyPath)
                    IdentitiesOnly yes
                    UserKnownHostsFile \(lab.ssh.knownHostsPath.path)
                    HostKeyAlias still-fawn.maas
                    StrictHostKeyChecking yes

                """))
            #expect(config.contains("Host k3s-vm-still-fawn\n    HostName 127.0.0.1\n    Port \(try lab.ssh.endpoint(SSHName.fawnVM).port)\n    User ubuntu\n"))
            #expect(!config.contains("StrictHostKeyChecking no"))
            #expect(Set(lab.ssh.ports.values).count == 6)

            for file in [lab.ssh.keys.privateKeyPath, lab.ssh.configPath, lab.ssh.knownHostsPath] {
                let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
                #expect(mode == 0o600, "\(file.path)")
            }
            let known = try String(contentsOf: lab.ssh.knownHostsPath, encoding: .utf8).split(separator: "\n")
            #expect(known.count == 6)
            #expect(known.allSatisfy { $0.split(separator: " ").count == 3 && $0.contains(" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5") })
        }
    }

    @Test("the client key is kept across restarts in the same directory; host keys are new")
    func keyReuse() async throws {
        let directory = URL(fileURLWithPath: "/tmp/fs-\(UUID().uuidString.prefix(8))", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let handlers: [String: any SSHCommandHandler] = [SSHName.pve: FakeMachine(name: SSHName.pve)]
        let first = try await LabSSH.start(directory: directory, handlers: handlers)
        await first.stop()
        let second = try await LabSSH.start(directory: directory, handlers: handlers)
        await second.stop()
        #expect(first.keys.publicKey == second.keys.publicKey)
        #expect(try first.endpoint(SSHName.pve).hostKey != second.endpoint(SSHName.pve).hostKey)
    }

    @Test("a name ssh_config cannot hold, or a fault for a machine that is not there, is an error")
    func badNames() async throws {
        let directory = URL(fileURLWithPath: "/tmp/fs-\(UUID().uuidString.prefix(8))", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        await #expect(throws: LabError.self) {
            try await LabSSH.start(directory: directory, handlers: ["still fawn": FakeMachine(name: "x")])
        }
        await #expect(throws: LabError.self) {
            try await LabSSH.start(directory: directory, handlers: [SSHName.pve: FakeMachine(name: "x")], refused: ["nope"])
        }
    }

    @Test("an OpenSSH public key line parses to its 32-byte key and prints back the same")
    func publicKeyFormat() throws {
        let key = Curve25519.Signing.PrivateKey().publicKey
        let lab = OpenSSHPublicKey(ed25519: key, comment: "ferry-lab")
        let parsed = try OpenSSHPublicKey(parsing: lab.description + "\n")
        #expect(parsed == lab)
        #expect(parsed.rawKey == key.rawRepresentation)
        #expect(parsed.comment == "ferry-lab")
        #expect(parsed.description == lab.description)
        #expect(try parsed.cryptoKey().rawRepresentation == key.rawRepresentation)
        // string "ssh-ed25519" (length 11), string KEY (length 32)
        #expect(Array(lab.wireFormat.prefix(15)) == [0, 0, 0, 11] + Array("ssh-ed25519".utf8))
        #expect(Array(lab.wireFormat.dropFirst(15).prefix(4)) == [0, 0, 0, 32])
        #expect(lab.wireFormat.count == 4 + 11 + 4 + 32)
    }

    @Test("keys of another type or damaged keys are refused with a reason")
    func badPublicKeys() {
        let valid = OpenSSHPublicKey(ed25519: Curve25519.Signing.PrivateKey().publicKey)
        let truncated = valid.wireFormat.dropLast(1).base64EncodedString()
        for line in [
            "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ user", "ssh-ed25519", "ssh-ed25519 !!!notbase64",
            "ssh-ed25519 \(truncated)", "ssh-ed25519 \((valid.wireFormat + Data([0])).base64EncodedString())",
        ] {
            #expect(throws: LabError.self, "\(line)") { try OpenSSHPublicKey(parsing: line) }
        }
    }
}
