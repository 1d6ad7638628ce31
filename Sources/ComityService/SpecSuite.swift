import ComityEngine

/// What running a workspace's specs came to.
public struct SpecSuite {
    public let files: [SpecFile]

    public var cases: [SpecRunner.CaseResult] { files.flatMap(\.cases) }
    public var failed: Int { cases.filter { !$0.passed }.count }
}
