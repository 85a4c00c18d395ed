import SwapInspectCore

/// The areas of the image: its partitions, or the bytes from --offset, or the whole image; which of
/// them are selected, and what libblkid and the swap header detector find in each.
extension ImageAuditRun {
    mutating func collectAreas() -> Bool {
        let partitions = (table?.partitions ?? []).filter { !$0.isExtended }
        for partition in partitions {
            areas.append(
                ImageArea(
                    partition: partition, offset: partition.offset, size: partition.size, explicit: false,
                    name: partitionName(partition.number)))
        }
        if let offset = options.offset {
            guard offset < file.size else {
                fail("--offset \(offset) is beyond the end of the image (\(file.size) bytes)")
                return false
            }
            if let index = areas.firstIndex(where: { $0.offset == offset }) {
                areas[index].explicit = true
                selected = [index]
            } else {
                areas.append(
                    ImageArea(partition: nil, offset: offset, size: file.size - offset, explicit: true, name: "\(image)@\(offset)"))
                selected = [areas.count - 1]
            }
        } else if let number = options.partition {
            guard let table else {
                audit.errors.append(
                    AreaError(
                        path: image, operation: "no partition table found (libblkid), so there is no partition \(number)",
                        reason: "use it without --partition for a file system image, or --offset"))
                return false
            }
            guard let index = areas.firstIndex(where: { $0.partition?.number == number }) else {
                let numbers = areas.compactMap { $0.partition?.number }.map(String.init).joined(separator: ", ")
                audit.errors.append(
                    AreaError(
                        path: image, operation: "no partition \(number)",
                        reason: "the \(table.type) partition table has partitions \(numbers.isEmpty ? "none" : numbers)"))
                return false
            }
            areas[index].explicit = true
            selected = [index]
        } else if table != nil {
            selected = Array(areas.indices)
        } else {
            areas.append(ImageArea(partition: nil, offset: 0, size: file.size, explicit: true, name: image))
            selected = [0]
        }
        return true
    }

    /// The kernel's name for a partition of a block device (sda2, loop0p2, nvme0n1p2); IMAGE:N for an image file.
    func partitionName(_ number: Int) -> String {
        guard file.isBlockDevice else { return "\(image):\(number)" }
        let separator = image.last?.isNumber == true ? "p" : ""
        return "\(image)\(separator)\(number)"
    }

    mutating func classify(_ index: Int) {
        var area = areas[index]
        guard !area.classified else { return }
        area.classified = true
        if area.offset + area.size > file.size {
            audit.errors.append(
                AreaError(
                    path: area.name, operation: "truncated image",
                    reason: "the partition ends at byte \(area.offset + area.size), the image at \(file.size)"))
            area.size = file.size - min(file.size, area.offset)
        }
        area.signature = file.signature(offset: area.offset, size: area.size)
        if let bytes = try? file.read(offset: area.offset, count: Int(min(UInt64(SwapHeaderLayout.probeLength), area.size))) {
            area.headerBytes = bytes
            area.headers = SwapHeaderDetector.detectAll(bytes)
        }
        areas[index] = area
    }
}
