/// A failure of the test harness itself (a fixture that could not be built, a tool that is missing or
/// failed), as opposed to an expectation about the code under test.
public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
