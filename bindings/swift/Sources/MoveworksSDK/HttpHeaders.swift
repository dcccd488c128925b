import Foundation

// An answer's headers cross the FFI as one string of `name:value` lines (the core's
// `HttpHeaders::to_lines`): one string to read instead of a map of strings, on every
// value returned. The generated code calls these two (crates/moveworks/uniffi.toml).

/// `name:value` lines (one per header, the core joined a repeated one's values) -> lowercase
/// name to value. Scans the UTF-8 bytes directly: Swift's collection algorithms over `String.UTF8View`
/// (`split`, `firstIndex`) cost more than the whole map uniffi used to read.
func httpHeadersLift(_ lines: String) -> [String: String] {
    var lines = lines
    return lines.withUTF8 { bytes in
        let newline = UInt8(ascii: "\n"), colon = UInt8(ascii: ":")
        var headers = [String: String](minimumCapacity: bytes.reduce(0) { $1 == newline ? $0 + 1 : $0 })
        var start = 0
        while start < bytes.count {
            var end = start
            var split = -1
            while end < bytes.count && bytes[end] != newline {
                if split < 0 && bytes[end] == colon { split = end }
                end += 1
            }
            if split >= 0 {
                let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<split]), as: UTF8.self)
                let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[(split + 1)..<end]), as: UTF8.self)
                headers[name] = value
            }
            start = end + 1
        }
        return headers
    }
}

/// A map of headers (e.g. a record built by hand) -> `name:value` lines.
func httpHeadersLower(_ headers: [String: String]) -> String {
    var lines = ""
    for (name, value) in headers {
        lines += name + ":" + value + "\n"
    }
    return lines
}
