import ComityCore
import Foundation
import Hummingbird

/// `comity serve`'s dashboard under `/dashboard`: server-rendered pages of runs, the
/// queue, schedules, workers, the outbox and reports, for people who do not write Lua.
/// Signed in with an API token into a session cookie; every form carries a CSRF token.
enum Dashboard {
    static func add(to router: Router<ComityRequestContext>, engine: EngineExecutor, settings: ServerSettings, metrics: ServerMetrics) {
        let sessions = DashboardSessions()
        DashboardSignIn.add(to: router, engine: engine, sessions: sessions, settings: settings, metrics: metrics)
        let pages = router.group("dashboard").add(middleware: DashboardAuthentication(engine: engine, sessions: sessions, settings: settings))
        DashboardSignIn.addSignOut(to: pages, sessions: sessions)
        DashboardRunPages.add(to: pages, engine: engine)
        DashboardOperationPages.add(to: pages, engine: engine)
        DashboardReportPages.add(to: pages, engine: engine)
    }
}
