import SwapInspectCore

/// The areas of the image: its partitions, or the bytes from --offset, or the whole image; which of
/// them are selected, and what libblkid and the swap header detector find in each.
extension ImageAuditRun {
    /// Every partition is an area; --offset or --partition selects one, else all of them are selected,
    /// or the whole image is the one area when it has no partition table. False (with the error
    /// recorded) when the selection names nothing.
    mutating func collectAreas() -> Bool {
        for partition in (table?.partitions ?? []) where !partition.isExtended {
            areas.append(
                ImageArea(
                    partition: partition, offset: partition.offset, size: partition.size, explicit: false,
                    name: partitionName(partition.number)))
        }
        if let offset = options.offset { return select(offset: offset) }
        if let number = options.partition { return select(partition: number) }
        if table != nil {
            selected = Array(areas.indices)
        } else {
            areas.append(ImageArea(partition: nil, offset: 0, size: file.size, explicit: true, name: image))
            selected = [0]
        }
        return true
    }

    /// --offset: the partition starting there, else the bytes from there to the end of the image.
    mutating func select(offset: UInt64) -> Bool {
        guard offset < file.size else {
            fail("--offset \(offset) is beyond the end of the image (\(file.size) bytes)")
            return false
        }
        if let index = areas.firstIndex(where: { $0.offset == offset }) {
            areas[index].explicit = true
            selected = [index]
        } else {
            areas.append(ImageArea(partition: nil, offset: offset, size: file.size - offset, explicit: true, name: "\(image)@\(offset)"))
            selected = [areas.count - 1]
        }
        return true
    }

    /// --partition: the partition with that number in the partition table.
    mutating func select(partition number: Int) -> Bool {
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
        // libblkid takes a read error for "nothing here": the start of the area, where every signature
        // we audit lies, is read here with its errors (EIO from a container's corrupt cluster).
        do {
            let bytes = try file.read(offset: area.offset, count: Int(min(UInt64(ImageArea.headLength), area.size)))
            area.headerBytes = Array(bytes.prefix(SwapHeaderLayout.probeLength))
            area.headers = SwapHeaderDetector.detectAll(area.headerBytes)
        } catch {
            area.unreadable = true
            audit.errors.append(AreaError(path: area.name, operation: "cannot read its first \(ImageArea.headLength >> 10) KiB", errno: error.errno, reason: error.reason))
        }
        areas[index] = area
    }
}
