/// The activation models, one per kernel path, behind one entry point.
public enum ActivationSimulator {
    /// What a model answers: the activation (accepted, refused or undetermined) and what it learned
    /// on the way.
    public struct Simulation: Sendable, Equatable {
        public var activation: Activation
        /// Observations for the report's notes (btrfs: sharing, chunk lookups).
        public var notes: [String] = []
        /// btrfs: what `btrfs inspect-internal map-swapfile -r` and systemd compute (see `BtrfsOutcome`).
        public var mapSwapfileResumeOffset: UInt64? = nil
    }

    /// Runs `model` over the area with the pages the header allows (`maxPages`, header page included).
    /// `header` is the validated header; block devices need it for their bad pages.
    public static func simulate(
        _ model: ActivationModel, _ facts: AreaFacts, header: SwapHeader?, pageSize: Int, maxPages: UInt64
    ) -> Simulation {
        switch model {
        case .generic:
            let blockSize = min(facts.filesystem?.blockSize ?? pageSize, pageSize)
            return Simulation(
                activation: generic(
                    extents: facts.extents, fileSize: facts.size, blockSize: blockSize, pageSize: pageSize,
                    maxPages: maxPages, path: facts.path))
        case .iomap:
            // The generic path reads bmap itself, so there FIBMAP's 0 is exactly the kernel's hole; iomap's is not.
            return Simulation(
                activation: iomap(
                    extents: facts.extents, fileSize: facts.size, pageSize: pageSize, maxPages: maxPages, path: facts.path,
                    holesMayBePreallocated: facts.source == .fibmap))
        case .btrfs:
            var unknown = Activation(model: .btrfs)
            guard let btrfs = facts.btrfs else {
                return Simulation(activation: unknown.cannotJudge(Inspector.btrfsFactsMissing, nil))
            }
            let outcome = BtrfsSimulator.activate(facts, btrfs: btrfs, pageSize: pageSize, maxPages: maxPages)
            let activation = outcome.activation
                ?? unknown.cannotJudge(outcome.undetermined ?? "the btrfs activation could not be predicted", nil)
            return Simulation(activation: activation, notes: outcome.notes, mapSwapfileResumeOffset: outcome.mapSwapfileResumeOffset)
        case .blockDevice:
            var unknown = Activation(model: .blockDevice)
            guard let header else {
                return Simulation(activation: unknown.cannotJudge("the block device has no valid swap header to activate", nil))
            }
            return Simulation(activation: blockDevice(header: header, maxPages: maxPages, path: facts.path))
        }
    }
}
