import ComityCore
import Hummingbird

/// A request's context: Hummingbird's own, and the token that authenticated it.
public struct ComityRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `TokenAuthentication` for the routes under `/v1`.
    public var token: AccessToken?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
