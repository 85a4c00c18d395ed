import SwapInspectCore
import SwapInspectImage

/// A PATH argument as swapon(8) takes it: a path, or `UUID=`, `LABEL=`, `PARTUUID=`, `PARTLABEL=`
/// resolved to the device that carries it.
struct AreaArgument {
    /// What the user wrote.
    var spec: String
    /// The path to look at: the argument itself, or the device the tag names.
    var path: String
    /// Whether `spec` was a tag.
    var isTag: Bool { spec != path }

    /// Fails for a tag that no device carries (its one-line error is `message`).
    static func resolve(_ argument: String) -> Result<AreaArgument, TagNotFound> {
        guard !argument.hasPrefix("/"), argument.contains("="), case .tag(let name, let value) = DeviceSpec.parse(argument) else {
            return .success(AreaArgument(spec: argument, path: argument))
        }
        guard let device = DeviceTags.evaluate(name: name, value: value) else {
            return .failure(TagNotFound(spec: argument, name: name, value: value))
        }
        return .success(AreaArgument(spec: argument, path: device))
    }

    /// The resolved argument, or nil after its error line went to stderr and into `errors`.
    static func resolve(_ argument: String, recordingErrorsIn errors: inout [ErrorLine]) -> AreaArgument? {
        switch resolve(argument) {
        case .success(let resolved): return resolved
        case .failure(let missing):
            errors.append((argument, missing.message))
            printError(missing.message)
            return nil
        }
    }

    struct TagNotFound: Error {
        var spec: String
        var name: String
        var value: String
        var message: String { "\(Escapes.visible(spec)): cannot resolve: no device has \(name)=\(Escapes.visible(value)) (libblkid)" }
    }
}
