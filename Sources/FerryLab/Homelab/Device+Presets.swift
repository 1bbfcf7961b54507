extension Device {
    /// A Coral USB Accelerator: `1a6e:089a Global Unichip Corp.` from cold, then
    /// `18d1:9302 Google Inc.` once a process (Frigate, with the TPU) opened it
    /// and its firmware loaded (frigate#1807).
    public static func coralUSB(name: String = "coral", host: String, port: String = "2-1", devnum: Int = 3) -> Device {
        Device(
            name: name, kind: .usb, host: host,
            identity: .init(vendorID: "1a6e", productID: "089a", vendorName: "Global Unichip Corp."),
            identityWhenOpened: .init(vendorID: "18d1", productID: "9302", vendorName: "Google Inc."),
            usbPort: port, devnum: devnum, speed: "480", deviceClass: 0)
    }

    /// Any USB device that keeps its id.
    public static func usb(
        name: String, host: String, vendorID: String, productID: String, vendorName: String, productName: String = "",
        port: String, devnum: Int = 2, speed: String = "480"
    ) -> Device {
        Device(
            name: name, kind: .usb, host: host,
            identity: .init(vendorID: vendorID, productID: productID, vendorName: vendorName, productName: productName),
            usbPort: port, devnum: devnum, speed: speed)
    }

    /// An NVIDIA GeForce RTX 3090 (`10de:2204`) for PCI passthrough.
    public static func nvidiaGPU(name: String = "gpu", host: String, address: String = "0000:01:00.0", iommuGroup: Int = 14) -> Device {
        Device(
            name: name, kind: .pci, host: host,
            identity: .init(vendorID: "10de", productID: "2204", vendorName: "NVIDIA Corporation", productName: "GA102 [GeForce RTX 3090]"),
            deviceClass: 0x030000, pciAddress: address, iommuGroup: iommuGroup)
    }

    /// A SATA controller on the chipset, whose IOMMU group a card in a poorly
    /// isolated slot shares.
    public static func sataController(name: String, host: String, address: String, iommuGroup: Int) -> Device {
        Device(
            name: name, kind: .pci, host: host,
            identity: .init(vendorID: "1022", productID: "43c8", vendorName: "Advanced Micro Devices, Inc. [AMD]", productName: "400 Series Chipset SATA Controller"),
            deviceClass: 0x010601, pciAddress: address, iommuGroup: iommuGroup)
    }

    /// An AMD Radeon iGPU (`1002:1681`, Rembrandt): its driver gives `/dev/dri`.
    public static func amdIGPU(name: String = "igpu", host: String, address: String = "0000:c4:00.0") -> Device {
        Device(
            name: name, kind: .pci, host: host,
            identity: .init(vendorID: "1002", productID: "1681", vendorName: "Advanced Micro Devices, Inc. [AMD/ATI]", productName: "Rembrandt [Radeon 680M]"),
            deviceClass: 0x030000, pciAddress: address, iommuGroup: 20)
    }
}
