/// A value or a step the domain refuses, said so that a script's author can fix it:
/// `invalid currency 'RUR' (not an ISO 4217 code; did you mean 'RUB'?)`,
/// `cannot award a grant in status 'rejected' (allowed from: submitted, under_review)`.
public struct DomainError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A value that is not valid for its field.
        case invalidValue
        /// Amounts in different currencies met in one sum.
        case mixedCurrencies
        /// A lifecycle step that is not allowed from the current status.
        case illegalStep
        /// A sum that no longer fits.
        case overflow
    }

    public var kind: Kind
    /// The field concerned, when there is one (`amount_awarded`, `country`).
    public var field: String?
    public var message: String
    /// The names `field` might have been meant as (a record type's fields), for the
    /// engine's "did you mean" (name suggestions belong to the layer above).
    public var candidates: [String]

    public init(_ kind: Kind, field: String? = nil, _ message: String, candidates: [String] = []) {
        self.kind = kind
        self.field = field
        self.message = message
        self.candidates = candidates
    }

    public var description: String { message }
}
