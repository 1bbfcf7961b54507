import FerryJSON
import Foundation
import Testing

@testable import FerryLab

/// Pods reach each other on their own loopback addresses, as across a cluster
/// network: the way ferry's helper pods carry a volume from one node to another.
/// The listener is Perl's IO::Socket::INET (perl-base is part of every Debian and
/// Ubuntu system; this machine has no nc or socat), the sender bash's /dev/tcp.
@Suite("Helper pods: networking")
struct HelperPodNetworkTests {
    /// Accepts one connection on $POD_IP:7000 and copies what arrives to stdout.
    static let receive = #"""
        perl -MIO::Socket::INET -e '
          my $server = IO::Socket::INET->new(LocalAddr => $ENV{POD_IP}, LocalPort => 7000, Listen => 1, ReuseAddr => 1)
            or die "listen: $!\n";
          print STDERR "listening on $ENV{POD_IP}:7000\n";
          my $peer = $server->accept or die "accept: $!\n";
          binmode $peer; binmode STDOUT;
          while (my $n = sysread($peer, my $buffer, 65536)) { syswrite(STDOUT, $buffer, $n) or die "write: $!\n" }
        '
        """#

    @Test("a sender on one node streams a tar of its volume to a receiver on another node's pod IP; it arrives intact")
    func tarBetweenNodes() async throws {
        try await LabFixture.with { lab in
            try await lab.kubectl.apply(Manifest.claim("source"))
            try await lab.kubectl.apply(Manifest.claim("target"))
            try await lab.kubectl.apply(
                Manifest.realPod(
                    "seed", node: Node.pve,
                    script: """
                        mkdir -p /data/db /data/clips
                        echo 'mqtt: {enabled: false}' > /data/config.yml
                        head -c 1000000 /dev/urandom > /data/clips/front-door.mp4
                        seq 1 20000 > /data/db/frigate.db
                        chmod 600 /data/db/frigate.db
                        ln -s clips/front-door.mp4 /data/latest
                        """, claim: "source"))
            try await lab.kubectl.succeed("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/seed", "--timeout=30s")

            try await lab.kubectl.apply(
                Manifest.realPod(
                    "receiver", node: Node.fawn,
                    script: Self.receive + " | tar -xpf - -C /data\necho \"received $(find /data -type f | wc -l) files\"",
                    claim: "target", podIPEnv: true))
            let receiver = try await lab.waitFor("pod", "receiver", "a pod IP") { $0["status"]["podIP"].stringValue != nil }
            let receiverIP = try #require(receiver["status"]["podIP"].stringValue)
            try await lab.kubectl.apply(
                Manifest.realPod(
                    "sender", node: Node.pve,
                    script: """
                        until tar -C /data -cf - . > /dev/tcp/$RECEIVER/7000; do sleep 0.2; done
                        echo sent
                        """, shell: "bash", claim: "source", readOnly: true, env: ["RECEIVER": receiverIP]))
            try await lab.kubectl.succeed("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/sender", "pod/receiver", "--timeout=30s")

            let source = try HelperPod.volumeDirectory(lab, claim: "source", on: Node.pve)
            let target = try HelperPod.volumeDirectory(lab, claim: "target", on: Node.fawn)
            let sent = try HelperPod.tree(source)
            #expect(sent.count == 6, "\(sent)")
            #expect(sent["db/frigate.db"]?.hasPrefix("file 600 ") == true, "\(sent)")
            #expect(try HelperPod.tree(target) == sent)
            let log = try await lab.kubectl.succeed("logs", "receiver")
            #expect(log == "listening on \(receiverIP):7000\nreceived 3 files\n", "\(log)")
            #expect(try await lab.kubectl.succeed("logs", "sender").hasSuffix("sent\n"))
            let table = try await lab.kubectl.succeed("get", "pods", "-o", "wide")
            #expect(table.contains(receiverIP), "\(table)")
        }
    }

    @Test("two pods on one node listen on the same port, each on its own address, and answer as themselves")
    func samePortOwnAddress() async throws {
        try await LabFixture.with { lab in
            let answer = #"""
                perl -MIO::Socket::INET -e '
                  my $server = IO::Socket::INET->new(LocalAddr => $ENV{POD_IP}, LocalPort => 7000, Listen => 1, ReuseAddr => 1)
                    or die "listen: $!\n";
                  my $peer = $server->accept or die "accept: $!\n";
                  print $peer "I am $ENV{HOSTNAME}\n";
                '
                """#
            for name in ["echo-a", "echo-b"] {
                try await lab.kubectl.apply(Manifest.realPod(name, node: Node.gpu, script: answer, podIPEnv: true))
            }
            let a = try await lab.waitFor("pod", "echo-a", "a pod IP") { $0["status"]["podIP"].stringValue != nil }
            let b = try await lab.waitFor("pod", "echo-b", "a pod IP") { $0["status"]["podIP"].stringValue != nil }
            let ipA = try #require(a["status"]["podIP"].stringValue)
            let ipB = try #require(b["status"]["podIP"].stringValue)
            #expect(ipA != ipB)
            try await lab.kubectl.apply(
                Manifest.realPod(
                    "client", node: Node.fawn,
                    script: "for ip in $A $B; do until cat < /dev/tcp/$ip/7000; do sleep 0.2; done; done",
                    shell: "bash", env: ["A": ipA, "B": ipB]))
            try await lab.kubectl.succeed(
                "wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/client", "pod/echo-a", "pod/echo-b", "--timeout=30s")
            let log = try await lab.kubectl.succeed("logs", "client")
            #expect(log.hasSuffix("I am echo-a\nI am echo-b\n"), "\(log)")
        }
    }
}
