/// The lines the kernel logs about an activation (docs/kernel-rules.md §3).
public enum KernelLine {
    /// `Adding %uk swap on %s.  Priority:%d extents:%d across:%lluk %s%s%s%s` (mm/swapfile.c), without the
    /// trailing space the kernel leaves when no flag follows. `discardFlags` are `SwapFlags.kernelLetters`.
    public static func adding(_ facts: AreaFacts, activation: Activation, pageSize: Int, discardFlags: String = "") -> String {
        let shift = UInt64(pageSize.trailingZeroBitCount - 10)
        // `si->pages << (PAGE_SHIFT - 10)` is printed with %u: it wraps at 4 TiB as the kernel's does.
        let sizeKiB = UInt32(truncatingIfNeeded: activation.pages << shift)
        let acrossKiB = activation.spanPages << shift
        let flags = (facts.nonRotational ? "SS" : "") + discardFlags
        let line = "Adding \(sizeKiB)k swap on \(facts.path).  Priority:\(facts.priority) extents:\(activation.extentCount) across:\(acrossKiB)k"
        return flags.isEmpty ? line : line + " " + flags
    }
}
