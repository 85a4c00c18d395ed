/// Refusals that more than one step of the simulation reaches, built in one place so that each rule
/// has one wording.
public enum KernelRules {
    /// SYSCALL_DEFINE2(swapon), ≥6.12: a mapping with a minimum folio order above 0 (block larger than a
    /// page) fails with EINVAL and no message before any activator runs (docs/kernel-rules.md §1.2 step 11).
    public static func blockLargerThanPage(blockSize: Int?, pageSize: Int, filesystem: String?) -> Refusal? {
        guard let blockSize, blockSize > pageSize else { return nil }
        let what = filesystem.map { "\($0) block size" } ?? "block size"
        return Refusal(
            kernelMessage: nil,
            finding: Finding(
                .unsupportedFilesystem,
                "\(what) \(blockSize) is larger than the \(pageSize)-byte page: the kernel refuses swap files on large-block-size file systems (EINVAL, no message)",
                advice: "put the swap file on a file system whose block size is at most \(pageSize) bytes"))
    }

    /// `read_swap_header` reads one page: a shorter file has no signature where the kernel looks.
    static func fileSmallerThanPage(_ facts: AreaFacts, pageSize: Int) -> Refusal {
        let finding = Finding(
            .tooSmall,
            facts.size == 0
                ? "the file is empty: the kernel finds no swap signature"
                : "the file is \(facts.size) bytes, smaller than one \(pageSize)-byte page: the kernel finds no swap signature")
        return Refusal(kernelMessage: "Unable to find swap-space signature", finding: finding)
    }

    /// `Empty swap-file`: the activation left no page but the header.
    static func emptyAfterActivation(_ path: String) -> Refusal {
        Refusal(
            kernelMessage: "Empty swap-file",
            finding: Finding(.emptySwap, "Empty swap-file: only the header page is usable"))
    }
}
