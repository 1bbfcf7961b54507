import Testing

@testable import FerryRemote

@Suite("Quoting for a remote shell")
struct ShellQuotingTests {
    @Test("plain words pass unchanged so logs stay readable")
    func plain() {
        #expect(ShellQuoting.commandLine(["qm", "set", "108", "-usb0", "host=1a6e:089a,usb3=1"])
            == "qm set 108 -usb0 host=1a6e:089a,usb3=1")
    }

    @Test("anything a shell would interpret is quoted, including single quotes")
    func hostile() {
        #expect(ShellQuoting.quote("a b") == "'a b'")
        #expect(ShellQuoting.quote("$(reboot)") == "'$(reboot)'")
        #expect(ShellQuoting.quote("it's") == #"'it'"'"'s'"#)
        #expect(ShellQuoting.quote("") == "''")
        #expect(ShellQuoting.quote("x;rm -rf /") == "'x;rm -rf /'")
    }
}
