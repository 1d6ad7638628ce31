import ComityCore
import Hummingbird

/// A request's context: Hummingbird's own, and the token that authenticated it (by
/// its header for the API, by a session's cookie for the dashboard).
public struct ComityRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `TokenAuthentication` for the routes under `/v1`.
    public var token: AccessToken?
    /// Set by `DashboardAuthentication` for the dashboard's pages: the signed-in session
    /// and the id of its cookie.
    var dashboard: (id: String, session: DashboardSessions.Session)?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
