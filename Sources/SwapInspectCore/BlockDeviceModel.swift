extension ActivationSimulator {
    /// A block device: one extent over `0..<max`, then the 6.17/6.18 bad-page pass (`setup_swap_map`):
    /// the span is captured before bad pages are subtracted, and duplicates count twice.
    public static func blockDevice(header: SwapHeader, maxPages: UInt64, path: String) -> Activation {
        var activation = Activation(model: .blockDevice)
        var list = SwapExtentList()
        list.add(swapPage: 0, pages: maxPages, physicalPage: 0)
        activation.extents = list.extents
        activation.extentCount = list.count
        activation.maxPages = maxPages
        activation.spanPages = maxPages - 1
        activation.lowestPhysicalPage = 1
        activation.highestPhysicalPage = maxPages - 1
        var pages = maxPages - 1
        let lastPage = UInt64(header.lastPage ?? 0)
        for bad in header.badPages.map(UInt64.init) {
            if bad == 0 || bad > lastPage {
                return activation.fail(
                    Refusal(
                        kernelMessage: nil,
                        finding: Finding(
                            .badPageOutOfRange,
                            "bad page \(bad) is outside 1..\(lastPage) (last_page); the kernel refuses the area")))
            }
            // `si->pages` is an unsigned int: duplicates are counted twice and may wrap.
            if bad < maxPages { pages = (pages &- 1) & 0xFFFF_FFFF }
        }
        activation.pages = pages
        if pages == 0 {
            return activation.fail(
                Refusal(
                    kernelMessage: "Empty swap-file",
                    finding: Finding(.emptySwap, "Empty swap-file: every page after the header is marked bad")))
        }
        return activation
    }
}
