package ai.moveworks.sdk.model

// An answer's headers cross the FFI as one string of `name:value` lines (the core's
// `HttpHeaders::to_lines`): one string to read instead of a map of strings, on every
// value returned. The generated code calls these two (crates/moveworks/uniffi.toml).

/**
 * `name:value` lines (one per header, the core joined a repeated one's values) -> lowercase
 * name to value.
 * The map is made when first read: most returned values' headers never are.
 */
internal fun httpHeadersLift(lines: String): Map<String, String> = HeaderLines(lines)

/** A map of headers (e.g. a record built by hand) -> `name:value` lines. */
internal fun httpHeadersLower(headers: Map<String, String>): String {
    if (headers is HeaderLines) return headers.lines
    val lines = StringBuilder()
    for ((name, value) in headers) lines.append(name).append(':').append(value).append('\n')
    return lines.toString()
}

/** The headers of one answer as received, parsed into a map on first use. */
private class HeaderLines(val lines: String) : AbstractMap<String, String>() {
    private val parsed: Map<String, String> by lazy(LazyThreadSafetyMode.PUBLICATION) { parse(lines) }

    override val entries: Set<Map.Entry<String, String>> get() = parsed.entries
    override val size: Int get() = parsed.size
    override fun get(key: String): String? = parsed[key]
    override fun containsKey(key: String): Boolean = parsed.containsKey(key)
    override fun isEmpty(): Boolean = parsed.isEmpty()

    private companion object {
        fun parse(lines: String): Map<String, String> {
            val headers = LinkedHashMap<String, String>()
            var start = 0
            while (start < lines.length) {
                var end = lines.indexOf('\n', start)
                if (end < 0) end = lines.length
                val colon = lines.indexOf(':', start)
                if (colon in start until end) {
                    headers[lines.substring(start, colon)] = lines.substring(colon + 1, end)
                }
                start = end + 1
            }
            return headers
        }
    }
}
