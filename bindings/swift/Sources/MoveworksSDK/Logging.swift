// The SDK's log records into the platform's logging: os.Logger on Apple platforms
// (subsystem "ai.moveworks.sdk", category "moveworks"), standard error elsewhere,
// or any closure (setLogListener / MoveworksLogging.install(_:)).
import Foundation
#if canImport(os)
import os
#endif

/// Sends the SDK's log records to the app's logging. Install once at start-up:
///
///     MoveworksLogging.install()        // os.Logger on Apple platforms, standard error elsewhere
///     setLogLevel(level: .debug)        // or MOVEWORKS_LOG=debug; default: warn
///
/// Records: one per HTTP attempt at `.debug` (method, path, status, attempt, duration,
/// request id, retry decision), one per retry decision at `.info`, bodies (redacted,
/// capped) at `.trace`. No token, client secret, key or proxy credential at any level.
/// Without anything installed, `MOVEWORKS_LOG=debug` writes the records to standard error.
public enum MoveworksLogging {
    /// The `os.Logger` subsystem on Apple platforms.
    public static let subsystem = "ai.moveworks.sdk"
    /// The `os.Logger` category on Apple platforms.
    public static let category = "moveworks"

    /// Forwards every record to `os.Logger(subsystem: "ai.moveworks.sdk", category: "moveworks")`
    /// on Apple platforms (`.debug` and `.trace` as debug, `.warn` as default), and to
    /// standard error (`[moveworks debug] …`) elsewhere. Replaces any listener installed before.
    public static func install() {
        #if canImport(os)
        if #available(macOS 11.0, iOS 14.0, tvOS 14.0, watchOS 7.0, *) {
            let logger = Logger(subsystem: subsystem, category: category)
            install { record in
                logger.log(level: osLogType(record.level), "\(record.message, privacy: .public)")
            }
        } else {
            let log = OSLog(subsystem: subsystem, category: category)
            install { record in
                os_log("%{public}@", log: log, type: osLogType(record.level), record.message)
            }
        }
        #else
        install { record in
            FileHandle.standardError.write(Data("[moveworks \(record.level)] \(record.message)\n".utf8))
        }
        #endif
    }

    /// Forwards every record to `block`, called on the thread making the call (keep it short).
    public static func install(_ block: @escaping @Sendable (LogRecord) -> Void) {
        setLogListener(listener: ClosureLogListener(block))
    }

    /// Stops forwarding (then `MOVEWORKS_LOG`, when set, writes to standard error).
    public static func uninstall() {
        setLogListener(listener: nil)
    }

    #if canImport(os)
    private static func osLogType(_ level: LogLevel) -> OSLogType {
        switch level {
        case .error: return .error
        case .warn: return .default
        case .info: return .info
        case .debug, .trace: return .debug
        }
    }
    #endif
}

/// Adapts a closure to a `LogListener` (for `setLogListener(listener:)`).
public final class ClosureLogListener: LogListener, @unchecked Sendable {
    private let block: @Sendable (LogRecord) -> Void
    /// Wraps `block`; it is called on the thread making the call.
    public init(_ block: @escaping @Sendable (LogRecord) -> Void) { self.block = block }
    /// Passes `record` to the closure.
    public func log(record: LogRecord) { block(record) }
}

extension MoveworksError {
    /// The request id of the answer that failed (`x-moveworks-root-uuid`), or nil.
    public var requestId: String? { details.requestId }

    /// The answer's HTTP headers (lowercase names), next to `requestId`; nil before any answer.
    public var httpHeaders: [String: String]? { details.httpHeaders }
}
