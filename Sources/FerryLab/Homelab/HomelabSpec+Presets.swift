extension HomelabSpec {
    /// The blueprint's homelab before the Frigate migration: three Proxmox hosts, one
    /// K3s VM on each (the nodes of `LabScenario.homelab`), the Coral USB on
    /// pumped-piglet passed to VM 105 by both of its ids, the NVIDIA GPU passed to
    /// VM 105, and still-fawn's AMD iGPU passed to VM 108 (so VM 108 has `/dev/dri`).
    /// VM 105 hot-plugs USB (Proxmox's defaults); VM 108 does not (`hotplug: network,disk`).
    public static var frigateCoral: HomelabSpec {
        HomelabSpec(
            hosts: [
                HostSpec(name: "pumped-piglet", ip: "192.168.4.175", cpus: 32, memoryGiB: 128),
                HostSpec(name: "still-fawn", ip: "192.168.4.17", cpus: 16, memoryGiB: 64),
                HostSpec(name: "pve", ip: "192.168.4.122", cpus: 8, memoryGiB: 32),
            ],
            vms: [
                VMSpec(
                    vmid: 105, name: "k3s-vm-pumped-piglet-gpu", host: "pumped-piglet", memoryMiB: 32768, cores: 8,
                    config: [
                        "hostpci0: 0000:01:00.0,pcie=1",
                        "usb0: host=1a6e:089a,usb3=1",
                        "usb1: host=18d1:9302,usb3=1",
                    ],
                    packages: ["usbutils", "pciutils", "curl", "qemu-guest-agent", "libedgetpu1-std", "nvidia-driver-550",
                               "nvidia-container-toolkit"]),
                VMSpec(
                    vmid: 108, name: "k3s-vm-still-fawn", host: "still-fawn", memoryMiB: 16384, cores: 4,
                    // USB hot-plug off, as an owner may have narrowed it: the
                    // reference migration reboots the target, as the blueprint's does.
                    config: ["hostpci0: 0000:c4:00.0", "hotplug: network,disk"]),
                VMSpec(vmid: 107, name: "k3s-vm-pve", host: "pve", memoryMiB: 8192, cores: 4),
            ],
            devices: [
                .coralUSB(host: "pumped-piglet", port: "2-1"),
                .nvidiaGPU(host: "pumped-piglet"),
                .amdIGPU(host: "still-fawn"),
                .usb(name: "keyboard", host: "pve", vendorID: "046d", productID: "c31c", vendorName: "Logitech, Inc.",
                     productName: "Keyboard K120", port: "1-3", devnum: 2),
            ])
    }
}
