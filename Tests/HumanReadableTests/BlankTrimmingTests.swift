import Foundation
import HumanReadable
import Testing

/// The Swift trimming removes exactly what Foundation's does, scalar by scalar, at
/// either end and in the middle (kept), for every scalar of the first plane.
@Suite struct BlankTrimmingTests {
    @Test func trimsWhatFoundationTrimsAndNothingElse() {
        var differing: [String] = []
        for value in UInt32(0)...0xFFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = "\(scalar)a\(scalar)b\(scalar)"
            if text.trimmingBlanks() != text.trimmingCharacters(in: .whitespaces) { differing.append(String(value, radix: 16) + " (blanks)") }
            if text.trimmingBlanksAndNewlines() != text.trimmingCharacters(in: .whitespacesAndNewlines) {
                differing.append(String(value, radix: 16) + " (and newlines)")
            }
        }
        #expect(differing.isEmpty, "\(differing.prefix(20))")
    }

    @Test func anAllBlankTextIsEmptyAndASubstringTrimsToo() {
        #expect(" \t ".trimmingBlanks() == "")
        #expect("\n \r\n".trimmingBlanksAndNewlines() == "")
        #expect("\n x \n".trimmingBlanks() == "\n x \n")
        #expect("a, b ,c".split(separator: ",").map { $0.trimmingBlanks() } == ["a", "b", "c"])
        #expect("".trimmingBlanks() == "")
    }
}
