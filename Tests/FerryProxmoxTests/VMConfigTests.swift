import FerryJSON
import Testing

@testable import FerryProxmox

@Suite("VM config parsing")
struct VMConfigTests {
    typealias Config = FerryProxmox.VMConfig

    @Test("usbN entries by id, port, mapping and spice, with usb3")
    func usbEntries() throws {
        let config = Config(lines: [
            "usb1: host=18d1:9302,usb3=1",
            "usb0: host=0x1A6E:0x089A,usb3=1",
            "usb2: host=2-1.3",
            "usb3: mapping=coral,usb3=1",
            "usb4: spice",
            "usb10: host=weird-thing",
        ])
        let usb = config.usb
        #expect(usb.map(\.key) == ["usb0", "usb1", "usb2", "usb3", "usb4", "usb10"])
        #expect(usb[0].selector == .id(vendor: "1a6e", product: "089a"))
        #expect(usb[0].usb3)
        #expect(usb[1].selector == .id(vendor: "18d1", product: "9302"))
        #expect(usb[2].selector == .port("2-1.3"))
        #expect(!usb[2].usb3)
        #expect(usb[3].selector == .mapping("coral"))
        #expect(usb[4].selector == .spice)
        #expect(usb[5].selector == .unknown)
        #expect(usb[5].value == "host=weird-thing")
        #expect(usb[0].matches(vendor: "1A6E", product: "089a"))
        #expect(usb[2].matches(vendor: "0000", product: "0000", port: "2-1.3"))
        #expect(config.freeUSBKey == "usb5")
    }

    @Test("hostpciN entries with and without domain, functions and mapping")
    func pciEntries() {
        let config = Config(lines: [
            "hostpci0: 0000:01:00.0,pcie=1,x-vga=1",
            "hostpci1: 02:00",
            "hostpci2: mapping=gpu,pcie=1",
            "hostpci3: 0000:C4:00.0;0000:c4:00.1",
        ])
        let pci = config.pci
        #expect(pci.map(\.address) == ["0000:01:00.0", "0000:02:00", nil, "0000:c4:00.0"])
        #expect(pci[0].pcie && pci[0].primaryGPU)
        #expect(!pci[1].pcie)
        #expect(pci[2].mapping == "gpu")
        #expect(config.freePCIKey == "hostpci4")
    }

    @Test("the API's JSON: numbers become text, digest is kept apart, raw lines sorted")
    func fromJSON() throws {
        let json: JSON = [
            "digest": "3f2a", "cores": 4, "memory": "16384", "agent": "1", "usb0": "host=1a6e:089a,usb3=1",
            "name": "k3s-vm-still-fawn", "onboot": 1,
        ]
        let config = try Config(json: json)
        #expect(config.digest == "3f2a")
        #expect(config["cores"] == "4")
        #expect(config["digest"] == nil)
        #expect(config.name == "k3s-vm-still-fawn")
        #expect(config.agentEnabled)
        #expect(config.lines == [
            "agent: 1", "cores: 4", "memory: 16384", "name: k3s-vm-still-fawn", "onboot: 1", "usb0: host=1a6e:089a,usb3=1",
        ])
    }

    @Test("qm config text stops at the first snapshot and skips comments")
    func qmConfigText() {
        let config = Config(lines: ["#description", "cores: 2", "usb0: host=1-2", "", "[before-upgrade]", "cores: 1"])
        #expect(config.values == ["cores": "2", "usb0": "host=1-2"])
        #expect(config.digest == nil)
    }

    @Test("usb values are built from checked ids, ports and mappings")
    func usbValues() throws {
        #expect(try Config.USBEntry.value(vendor: "1A6E", product: "089a", usb3: true) == "host=1a6e:089a,usb3=1")
        #expect(try Config.USBEntry.value(port: "2-1.4", usb3: false) == "host=2-1.4")
        #expect(try Config.USBEntry.value(mapping: "coral", usb3: true) == "mapping=coral,usb3=1")
        #expect(throws: ProxmoxError.self) { try Config.USBEntry.value(vendor: "1a6e;", product: "089a", usb3: true) }
        #expect(throws: ProxmoxError.self) { try Config.USBEntry.value(vendor: "1a6", product: "089a", usb3: true) }
        #expect(throws: ProxmoxError.self) { try Config.USBEntry.value(port: "2-1 && reboot", usb3: true) }
    }

    @Test("a host's USB list: ids lowercased, port from bus and usbpath, hubs flagged")
    func hostUSB() throws {
        let root = try HostUSBDevice(json: ["busnum": 1, "devnum": 1, "port": 0, "class": 9, "vendid": "1d6b", "prodid": "0002"])
        #expect(root.isHub)
        #expect(root.port == nil)
        let coral = try HostUSBDevice(json: [
            "busnum": 2, "devnum": "3", "usbpath": "1", "class": 0, "vendid": "1A6E", "prodid": "089a",
            "manufacturer": "Global Unichip Corp.", "speed": "5000",
        ])
        #expect(coral.id == "1a6e:089a")
        #expect(coral.port == "2-1")
        #expect(coral.devnum == 3)
        #expect(!coral.isHub)
        #expect(throws: ProxmoxError.self) { try HostUSBDevice(json: ["busnum": 1]) }
    }

    @Test("USB hot-plug by qemu-server's rules: hotplug features, machine version, OS type")
    func usbHotplug() {
        func hotplug(_ values: [String: String]) -> USBHotplug { VMConfig(values: values).usbHotplug(vmid: 108) }
        #expect(hotplug(["ostype": "l26"]) == .yes, "unset hotplug is network,disk,usb")
        #expect(hotplug(["ostype": "l26", "hotplug": "1", "machine": "q35"]) == .yes)
        #expect(hotplug(["ostype": "win11", "hotplug": "disk,usb", "machine": "pc-q35-8.1"]) == .yes)
        #expect(hotplug(["ostype": "l26", "machine": "type=pc-i440fx-7.1,viommu=intel"]) == .yes)
        #expect(hotplug(["ostype": "l26", "hotplug": "network,disk"])
            == .no(reason: "its hotplug option (network,disk) lacks usb", fix: "qm set 108 --hotplug network,disk,usb"))
        #expect(hotplug(["ostype": "l26", "hotplug": "0"])
            == .no(reason: "its hotplug option (0) lacks usb", fix: "qm set 108 --hotplug usb"))
        #expect(hotplug(["ostype": "l26", "machine": "pc-q35-6.2+pve0"]) == .no(
            reason: "its machine type is pinned to version 6.2, and USB hot-plug needs 7.1 or later",
            fix: "qm set 108 --machine q35 (takes effect at its next reboot)"))
        #expect(hotplug([:]) == .no(
            reason: "its OS type is other, and Proxmox hot-plugs USB only into Linux 2.6+ (l26) and Windows 8 or later",
            fix: "qm set 108 --ostype l26 (if it runs a current Linux)"))
        #expect(hotplug(["ostype": "win7"]) == .no(
            reason: "its OS type is win7, and Proxmox hot-plugs USB only into Linux 2.6+ (l26) and Windows 8 or later", fix: nil))
    }
}
