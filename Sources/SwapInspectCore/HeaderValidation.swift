/// The outcome of `read_swap_header` (mm/swapfile.c) for one simulated page size.
public struct HeaderVerdict: Sendable, Equatable {
    /// The header at the simulated page size, if there is one.
    public var header: SwapHeader?
    /// `maxpages` as `read_swap_header` returns it (header page included), when it accepts.
    public var maxPages: UInt64?
    public var refusal: Refusal?
    /// Observations that do not make the kernel refuse (byte order, truncation).
    public var findings: [Finding]
}

/// The header rules of `read_swap_header`, in the kernel's order and words.
public enum HeaderValidator {
    /// - Parameters:
    ///   - detected: every signature found (see `SwapHeaderDetector.detectAll`).
    ///   - pageSize: the simulated kernel page size.
    ///   - areaBytes: `i_size` of the file or the size of the block device.
    ///   - isRegularFile: bad pages are refused in regular files.
    ///   - archMaxPages: `swapfile_maximum_size`; nil = larger than any u32 `last_page`.
    ///   - path: used in fixes.
    public static func validate(
        detected: [SwapHeader], pageSize: Int, areaBytes: UInt64, isRegularFile: Bool,
        archMaxPages: UInt64? = nil, path: String
    ) -> HeaderVerdict {
        guard let header = detected.first(where: { $0.pageSize == pageSize }) else {
            return noHeader(atPageSize: pageSize, detected: detected, path: path)
        }
        switch header.kind {
        case .hibernation:
            return refuse(header, signatureMissing, hibernationFinding(header, path: path))
        case .swapV0:
            return refuse(
                header, signatureMissing,
                Finding(
                    .unsupportedVersion, "old v0 swap header (SWAP-SPACE); the kernel reads only v1 (SWAPSPACE2)"))
        case .swapV1:
            return validateVersion1(
                header, pageSize: pageSize, areaBytes: areaBytes, isRegularFile: isRegularFile, archMaxPages: archMaxPages,
                path: path)
        }
    }

    static let signatureMissing = "Unable to find swap-space signature"

    static func refuse(_ header: SwapHeader, _ kernelMessage: String?, _ finding: Finding) -> HeaderVerdict {
        HeaderVerdict(header: header, maxPages: nil, refusal: Refusal(kernelMessage: kernelMessage, finding: finding), findings: [])
    }

    /// No signature at the simulated page size: what is there instead decides the finding.
    static func noHeader(atPageSize pageSize: Int, detected: [SwapHeader], path: String) -> HeaderVerdict {
        let finding: Finding
        if let other = detected.first(where: { $0.kind == .swapV1 }) {
            finding = Finding(
                .pagesizeMismatch,
                "swap signature written for \(other.pageSize)-byte pages, but the kernel uses \(pageSize)-byte pages")
        } else if let hibernation = detected.first(where: { $0.kind == .hibernation }) {
            finding = hibernationFinding(hibernation, path: path)
        } else if let old = detected.first(where: { $0.kind == .swapV0 }) {
            finding = Finding(
                .unsupportedVersion,
                "old v0 swap header (\(old.signature)); the kernel reads only v1 (SWAPSPACE2)")
        } else {
            finding = Finding(.noSignature, signatureMissing)
        }
        return HeaderVerdict(
            header: nil, maxPages: nil,
            refusal: Refusal(kernelMessage: signatureMissing, finding: finding), findings: [])
    }

    /// `read_swap_header` on a v1 header, in the kernel's order (docs/kernel-rules.md §1.3).
    static func validateVersion1(
        _ header: SwapHeader, pageSize: Int, areaBytes: UInt64, isRegularFile: Bool, archMaxPages: UInt64?, path: String
    ) -> HeaderVerdict {
        func refuse(_ kernelMessage: String?, _ finding: Finding) -> HeaderVerdict {
            Self.refuse(header, kernelMessage, finding)
        }
        var findings: [Finding] = []
        let version = header.version ?? 0
        let lastPage = UInt64(header.lastPage ?? 0)
        let nrBad = header.nrBadPages ?? 0
        let maxBad = SwapHeaderLayout.maxBadPages(pageSize: pageSize)

        if header.byteOrder == .big {
            // The kernel swaps; bad page counts beyond the limit are refused silently before the version check.
            if nrBad > maxBad {
                return refuse(nil, tooManyBadPages(nrBad, maxBad, path: path))
            }
            findings.append(
                Finding(
                    .byteSwapped,
                    "header written in big-endian byte order; the kernel byte-swaps it and accepts it"))
        }
        if version != 1 {
            // printed with %d of the raw field
            let raw = header.byteOrder == .big ? version.byteSwapped : version
            let printed = Int32(bitPattern: raw)
            let message = "Unable to handle swap header version \(printed)"
            return refuse(message, Finding(.unsupportedVersion, message))
        }
        if lastPage == 0 {
            return refuse("Empty swap-file", Finding(.emptySwap, "Empty swap-file (last_page is 0)"))
        }
        var maxPages = archMaxPages ?? UInt64.max
        let pageKiB = UInt64(pageSize / 1024)
        if let limit = archMaxPages, lastPage > limit {
            findings.append(
                Finding(
                    .truncatedByKernelLimit,
                    "Truncating oversized swap area, only using \(limit &* pageKiB)k out of \(lastPage &* pageKiB)k"))
        }
        if maxPages > lastPage {
            maxPages = lastPage + 1
            if maxPages & 0xFFFF_FFFF == 0 { maxPages = UInt64(UInt32.max) }
        }
        let areaPages = areaBytes / UInt64(pageSize)
        if areaPages != 0 && maxPages > areaPages {
            let message = "Swap area shorter than signature indicates"
            return refuse(
                message,
                Finding(
                    .tooSmall,
                    "\(message): the header declares \(lastPage + 1) pages, the \(isRegularFile ? "file" : "device") holds \(areaPages)"))
        }
        if nrBad != 0 && isRegularFile {
            return refuse(
                nil,
                Finding(
                    .tooManyBadPages,
                    "the header lists \(nrBad) bad page\(nrBad == 1 ? "" : "s"); the kernel accepts bad pages only on block devices"))
        }
        if nrBad > maxBad {
            return refuse(nil, tooManyBadPages(nrBad, maxBad, path: path))
        }
        return HeaderVerdict(header: header, maxPages: maxPages, refusal: nil, findings: findings)
    }

    static func tooManyBadPages(_ count: UInt32, _ limit: UInt32, path: String) -> Finding {
        Finding(
            .tooManyBadPages, "the header lists \(count) bad pages; at most \(limit) fit in a page (MAX_SWAP_BADPAGES)")
    }

    static func hibernationFinding(_ header: SwapHeader, path: String) -> Finding {
        // The image is a saved session: discarding it is the user's decision, so it is advice, not a fix.
        Finding(
            .hibernationSignature, "the area holds a hibernation image (\(header.signature)), not a swap header",
            advice: "resume from it; or, to discard the saved session, mkswap \(path)")
    }
}
