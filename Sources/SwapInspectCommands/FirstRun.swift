import SwapInspectCore
import SwapInspectLinux

/// `swapinspect` with no path: the active areas when there are some, else a hint. A first run always
/// shows something useful.
enum FirstRun {
    static func run(output: OutputOptions, simulation: SimulationOptions) throws {
        if !SwapControl.activeAreas().isEmpty {
            try List.show(output: output, simulation: simulation)
            return
        }
        try CommandOutput.firstRun.write(OutputFormat(output), to: output.outputFile)
    }
}
