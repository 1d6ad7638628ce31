import ComityEngine
import ComityExchange

/// The format of a file to import.
public enum ImportFormat: Equatable, Sendable {
    /// CSV or JSON.
    case plain(ExchangeFormat)
    /// Grants in the 360Giving Data Standard (a JSON package or the flattened CSV, by extension).
    case giving360
    /// A format a plugin's `provides.formats` names.
    case plugin(String)
}
