import Foundation

extension TimeZone {
    /// The zone's name as people write it: Foundation on Linux calls UTC "GMT", which a
    /// workspace set to `time_zone = "UTC"` would not recognise.
    public var name: String { identifier == "GMT" ? "UTC" : identifier }
}
