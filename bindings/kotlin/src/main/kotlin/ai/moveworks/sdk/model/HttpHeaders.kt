package ai.moveworks.sdk.model

// An answer's headers cross the FFI as one string of `name:value` lines (the core's
// `HttpHeaders::to_lines`): one string to read instead of a map of strings, on every
// value returned. The generated code calls these two (crates/moveworks/uniffi.toml).

/** `name:value` lines -> lowercase name to value, a repeated header's values joined with `", "`. */
internal fun httpHeadersLift(lines: String): Map<String, String> {
    val headers = LinkedHashMap<String, String>()
    var start = 0
    while (start < lines.length) {
        var end = lines.indexOf('\n', start)
        if (end < 0) end = lines.length
        val colon = lines.indexOf(':', start)
        if (colon in start until end) {
            val name = lines.substring(start, colon)
            val value = lines.substring(colon + 1, end)
            val earlier = headers[name]
            headers[name] = if (earlier == null) value else "$earlier, $value"
        }
        start = end + 1
    }
    return headers
}

/** A map of headers (e.g. a record built by hand) -> `name:value` lines. */
internal fun httpHeadersLower(headers: Map<String, String>): String {
    val lines = StringBuilder()
    for ((name, value) in headers) lines.append(name).append(':').append(value).append('\n')
    return lines.toString()
}
