import ComityEngine
import Foundation

/// One spec file's cases, as they ran.
public struct SpecFile {
    public let file: URL
    /// The file as the caller names it: relative to the folder the specs were asked from.
    public let shown: String
    public let cases: [SpecRunner.CaseResult]
}
