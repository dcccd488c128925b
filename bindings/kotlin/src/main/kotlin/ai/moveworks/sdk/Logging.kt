// The SDK's log records into the JVM's logging: SLF4J when it is on the classpath
// (found by reflection: the package does not depend on it), else java.util.logging.
package ai.moveworks.sdk

import ai.moveworks.sdk.model.LogLevel
import ai.moveworks.sdk.model.LogRecord
import java.lang.reflect.Method
import java.util.logging.Level

/**
 * Sends the SDK's log records to the application's logging, logger name `moveworks`:
 * SLF4J when `org.slf4j.LoggerFactory` is on the classpath, else `java.util.logging`.
 *
 * ```
 * MoveworksLogging.install()          // once, at start-up
 * setLogLevel(LogLevel.DEBUG)         // or MOVEWORKS_LOG=debug; default: warn
 * ```
 *
 * Records: one per HTTP attempt at `DEBUG` (method, path, status, attempt, duration,
 * request id, retry decision), one per retry decision at `INFO`, bodies (redacted,
 * capped) at `TRACE`. No token, client secret, key or proxy credential at any level.
 * Without anything installed, `MOVEWORKS_LOG=debug` writes the records to standard error.
 *
 * `LogLevel` (package `ai.moveworks.sdk.model`), most severe first: `ERROR` (a call
 * failed for good), `WARN`, `INFO` (retry decisions, a stream falling back to polling),
 * `DEBUG` (every HTTP attempt), `TRACE` (also bodies). A `LogRecord` has `level`,
 * `message` (the whole line) and the fields `method`, `path`, `status`, `attempt`,
 * `durationMs`, `requestId`, `errorKind` and `retry` (null when they do not apply).
 */
object MoveworksLogging {
    /** The logger name records are written to. */
    const val LOGGER_NAME: String = "moveworks"

    /**
     * Forwards every record to SLF4J (when present) or `java.util.logging`, replacing
     * any listener installed before. Returns which: `"slf4j"` or `"java.util.logging"`.
     */
    fun install(): String {
        val slf4j = Slf4j.create()
        if (slf4j != null) {
            setLogListener(slf4j)
            return "slf4j"
        }
        setLogListener(julListener(java.util.logging.Logger.getLogger(LOGGER_NAME)))
        return "java.util.logging"
    }

    /** Forwards every record to [block] (on the thread making the call; keep it short). */
    fun install(block: (LogRecord) -> Unit) = setLogListener(logListener(block))

    /** Stops forwarding (then `MOVEWORKS_LOG`, when set, writes to standard error). */
    fun uninstall() = setLogListener(null)

    /** A listener writing to a `java.util.logging` logger (`DEBUG` is `FINE`, `TRACE` is `FINER`). */
    fun julListener(logger: java.util.logging.Logger): LogListener = logListener { record ->
        val level = when (record.level) {
            LogLevel.ERROR -> Level.SEVERE
            LogLevel.WARN -> Level.WARNING
            LogLevel.INFO -> Level.INFO
            LogLevel.DEBUG -> Level.FINE
            LogLevel.TRACE -> Level.FINER
        }
        if (logger.isLoggable(level)) logger.log(level, record.message)
    }

    /** SLF4J through reflection: the `org.slf4j.Logger` interface's methods. */
    private class Slf4j(private val logger: Any, private val methods: Map<LogLevel, Method>) : LogListener {
        override fun log(record: LogRecord) {
            methods[record.level]?.invoke(logger, record.message)
        }

        companion object {
            fun create(): Slf4j? = try {
                val factory = Class.forName("org.slf4j.LoggerFactory")
                val iface = Class.forName("org.slf4j.Logger")
                val logger = factory.getMethod("getLogger", String::class.java).invoke(null, LOGGER_NAME)
                val names = mapOf(
                    LogLevel.ERROR to "error", LogLevel.WARN to "warn", LogLevel.INFO to "info",
                    LogLevel.DEBUG to "debug", LogLevel.TRACE to "trace",
                )
                Slf4j(logger, names.mapValues { iface.getMethod(it.value, String::class.java) })
            } catch (e: ReflectiveOperationException) {
                null
            } catch (e: LinkageError) {
                null
            }
        }
    }
}

/** Adapts a Kotlin lambda to a [LogListener] (for [setLogListener]). */
fun logListener(block: (LogRecord) -> Unit): LogListener = object : LogListener {
    override fun log(record: LogRecord) = block(record)
}

/** The answer's HTTP headers (lowercase names), next to [MoveworksException.requestId]; null before any answer. */
val MoveworksException.httpHeaders: Map<String, String>? get() = details.httpHeaders

/** The request id of the answer that failed (`x-moveworks-root-uuid`), or null. */
val MoveworksException.requestId: String? get() = details.requestId
