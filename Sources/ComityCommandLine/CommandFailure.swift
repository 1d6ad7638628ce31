import ArgumentParser
import ComityCore
import ComityService

/// A command that cannot do what was asked: `error: ...` on standard error, exit 1
/// (usage is printed only for mistakes in the arguments themselves).
enum CommandFailure {
    static func report(_ message: String) -> ExitCode {
        Output.error("error: \(message)\n")
        return ExitCode(1)
    }

    /// The engine's refusal as the command line says it: `error: ...` and exit 1; a
    /// failed script's error as `comity run` prints it; a mistake in the arguments with
    /// the usage.
    static func report(_ error: EngineError) -> any Error {
        switch error {
        case .failed(let message): return report(message)
        case .usage(let message): return ValidationError(message)
        case .runFailed(let failure):
            Output.error(ErrorReport.text(for: failure))
            return ExitCode(1)
        case .noReport:
            Output.error("\(error)\n")
            return ExitCode(1)
        }
    }

    /// `body`, with an ``EngineError`` it throws reported as ``report(_:)-swift.type.method`` says.
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as EngineError {
            throw report(error)
        }
    }

    /// `reporting`, with the store's and the domain's refusals (what was not found, a
    /// name taken, a bad role or field) said as `error: ...` too, exit 1.
    static func reportingRefusals<T>(_ body: () throws -> T) throws -> T {
        do {
            return try reporting(body)
        } catch let error as StoreError {
            throw report("\(error)")
        } catch let error as DomainError {
            throw report(error.message)
        }
    }
}
