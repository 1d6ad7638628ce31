// The `Comity` library product: what an app or server embedding the engine imports.
// It re-exports the engine service (`Engine`), the engine, its separate concerns
// (import and export, reports, messages, `check`), the scheduler, cron, the domain,
// the SQLite and PostgreSQL stores, the bridge types the engine's API uses, the human-readable text
// helpers, and swift-log, whose Logger the runner takes.
@_exported import ComityEngine
@_exported import ComityExchange
@_exported import ComityReports
@_exported import ComityMessages
@_exported import ComityCheck
@_exported import LuaBridge
@_exported import HumanReadable
@_exported import ComityCore
@_exported import ComitySQLite
@_exported import ComityPostgres
@_exported import ComityScheduler
@_exported import ComityCron
@_exported import ComityService
@_exported import Logging
