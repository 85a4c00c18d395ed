// Only test targets use it, and only they are built with Swift Testing at hand: `make release`
// (`swift build -c release --static-swift-stdlib`) builds this target too, where there is no Testing.
#if canImport(Testing)
import Testing

/// Swap state and the kernel log are one for the whole machine, and Swift Testing runs the suites of
/// different test targets at the same time (the kernel target's root suite is serialized only within
/// itself). A test that activates swap, or reads what the kernel logged about an activation, would see
/// another test's area: a second active area takes the next automatic priority (`Priority:-3` instead
/// of `-2` in the `Adding` line), and the other test's `BTRFS warning … swapfile …` or `Adding` line
/// lands in its window of /dev/kmsg. Every such suite or test carries `.swapStateExclusive`: one of
/// them runs at a time in the test process, the others wait (suspended, not blocking a thread).
///
/// On a suite it scopes the whole suite, once. Inside a scope that holds the turn (a suite's tests,
/// a parameterized test's cases, a nested suite that carries it too) it is held already: the task
/// knows (`holding`, inherited by its child tasks), so nothing waits for itself.
public struct SwapStateExclusive: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { false }

    @TaskLocal static var holding = false

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard !Self.holding else { return try await function() }
        await Turn.shared.acquire()
        do {
            try await Self.$holding.withValue(true) { try await function() }
        } catch {
            await Turn.shared.release()
            throw error
        }
        await Turn.shared.release()
    }

    /// A first-come, first-served mutex for async code.
    actor Turn {
        static let shared = Turn()
        private var held = false
        private var waiting: [CheckedContinuation<Void, Never>] = []

        func acquire() async {
            guard held else {
                held = true
                return
            }
            await withCheckedContinuation { waiting.append($0) }
        }

        func release() {
            if waiting.isEmpty {
                held = false
            } else {
                // Handed over: `held` stays true for the next one.
                waiting.removeFirst().resume()
            }
        }
    }
}

extension Trait where Self == SwapStateExclusive {
    /// One test (or suite) at a time that activates swap or reads the kernel log about it.
    public static var swapStateExclusive: Self { Self() }
}
#endif
