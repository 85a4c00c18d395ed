import SwapInspectCore
import SwapInspectImage
import SwapInspectLinux

/// Inspecting live paths, shared by every command that inspects.
enum InspectionRun {
    static func inspect(
        _ paths: [String], simulation: SimulationOptions, swapFlags: SwapFlags = SwapFlags()
    ) -> (reports: [Report], errors: [ErrorLine]) {
        var reports: [Report] = []
        let errors = inspect(paths, simulation: simulation, swapFlags: swapFlags) { reports.append($0) }
        return (reports, errors)
    }

    /// Each report handed to `body` as soon as it is made, in path order; the paths that could not be
    /// inspected are returned (their one-line errors are on stderr already).
    static func inspect(
        _ paths: [String], simulation: SimulationOptions, swapFlags: SwapFlags = SwapFlags(), _ body: (Report) -> Void
    ) -> [ErrorLine] {
        let options = InspectOptions(pageSize: simulation.effectivePageSize, model: simulation.model, swapFlags: swapFlags)
        let live = LiveOptions(mapper: simulation.mapper, sync: simulation.sync)
        var errors: [ErrorLine] = []
        for argument in paths {
            guard let area = AreaArgument.resolve(argument, recordingErrorsIn: &errors) else { continue }
            let path = area.path
            do {
                let facts = try LiveArea.facts(for: path, options: live)
                var report = Inspector.inspect(facts, options: options)
                if area.isTag { report.spec = area.spec }
                if report.findings.proposeRewrite {
                    let facts = report.facts
                    report.findings.withholdRewrites(of: facts.path, kind: facts.kind, contents(path: facts.path, kind: facts.kind))
                }
                // Exit 2 always comes with its one-line reason on stderr (man page, EXIT STATUS).
                if let reason = report.undetermined { printError("\(path): cannot predict: \(reason)") }
                body(report)
            } catch {
                errors.append((path, error.description))
                printError(error.description)
            }
        }
        return errors
    }

    /// What the area holds besides swap, looked at only when a fix would write over it.
    static func contents(path: String, kind: AreaKind) -> AreaContents {
        let found = AreaContentsProbe.holds(path: path)
        let loops = kind == .file ? LoopBacking.devices(backedBy: path) : []
        return AreaContents(holds: found?.holds, isImage: found?.isImage ?? false, loopDevices: loops)
    }
}
