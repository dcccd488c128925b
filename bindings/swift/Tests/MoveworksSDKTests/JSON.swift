// A small JSON value for the tests. Foundation's JSONSerialization hands back
// NSNumber for both numbers and booleans on Linux, which makes `1 == true`
// ambiguous when matching wire JSON, so the tests parse into this enum instead.
import Foundation

indirect enum JSON: Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ text: String) throws -> JSON {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == parser.scalars.count else { throw ParseError(description: "trailing characters at \(parser.index)") }
        return value
    }

    subscript(key: String) -> JSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    var string: String? { if case .string(let s) = self { return s }; return nil }
    var array: [JSON]? { if case .array(let a) = self { return a }; return nil }
    var object: [String: JSON]? { if case .object(let o) = self { return o }; return nil }
    var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    var number: Double? { if case .number(let n) = self { return n }; return nil }
    var isNull: Bool { self == .null }

    /// Compact JSON text; object keys sorted so output is stable.
    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n):
            return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .string(let s): return JSON.quote(s)
        case .array(let a): return "[" + a.map(\.description).joined(separator: ",") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { JSON.quote($0) + ":" + o[$0]!.description }.joined(separator: ",") + "}"
        }
    }

    private static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        mutating func skipWhitespace() {
            while index < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[index]) { index += 1 }
        }

        mutating func fail(_ what: String) -> ParseError { ParseError(description: "\(what) at \(index)") }

        mutating func expect(_ word: String) throws {
            for u in word.unicodeScalars {
                guard index < scalars.count, scalars[index] == u else { throw fail("expected \(word)") }
                index += 1
            }
        }

        mutating func value() throws -> JSON {
            skipWhitespace()
            guard index < scalars.count else { throw fail("unexpected end") }
            switch scalars[index] {
            case "{":
                index += 1
                var object: [String: JSON] = [:]
                skipWhitespace()
                if index < scalars.count, scalars[index] == "}" { index += 1; return .object(object) }
                while true {
                    skipWhitespace()
                    guard case .string(let key) = try value() else { throw fail("expected a key") }
                    skipWhitespace()
                    try expect(":")
                    object[key] = try value()
                    skipWhitespace()
                    guard index < scalars.count else { throw fail("unterminated object") }
                    if scalars[index] == "," { index += 1; continue }
                    try expect("}")
                    return .object(object)
                }
            case "[":
                index += 1
                var array: [JSON] = []
                skipWhitespace()
                if index < scalars.count, scalars[index] == "]" { index += 1; return .array(array) }
                while true {
                    array.append(try value())
                    skipWhitespace()
                    guard index < scalars.count else { throw fail("unterminated array") }
                    if scalars[index] == "," { index += 1; continue }
                    try expect("]")
                    return .array(array)
                }
            case "\"":
                return .string(try string())
            case "t": try expect("true"); return .bool(true)
            case "f": try expect("false"); return .bool(false)
            case "n": try expect("null"); return .null
            default:
                let start = index
                while index < scalars.count, "+-0123456789.eE".unicodeScalars.contains(scalars[index]) { index += 1 }
                var text = ""
                text.unicodeScalars.append(contentsOf: scalars[start..<index])
                guard let n = Double(text) else { throw fail("bad number \(text)") }
                return .number(n)
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard index + 4 <= scalars.count else { throw fail("short \\u escape") }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars[index..<index + 4])
            index += 4
            guard let v = UInt32(text, radix: 16) else { throw fail("bad \\u escape") }
            return v
        }

        mutating func string() throws -> String {
            index += 1
            var out = String.UnicodeScalarView()
            while true {
                guard index < scalars.count else { throw fail("unterminated string") }
                let u = scalars[index]
                index += 1
                if u == "\"" { return String(out) }
                guard u == "\\" else { out.append(u); continue }
                guard index < scalars.count else { throw fail("unterminated escape") }
                let e = scalars[index]
                index += 1
                switch e {
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "t": out.append("\t")
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "u":
                    var v = try hex4()
                    if (0xD800..<0xDC00).contains(v) {
                        try expect("\\u")
                        let low = try hex4()
                        v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(v) else { throw fail("bad code point") }
                    out.append(scalar)
                default: out.append(e)
                }
            }
        }
    }
}
