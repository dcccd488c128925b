"""Post-processes the Swift files uniffi-bindgen 0.29 generates (called by generate.sh).

Lifting a record read every integer through Foundation's generic
`Data.copyBytes(to:from:)` and every string through an intermediate `[UInt8]` and
`String(bytes:encoding:)`: profiled with perf on `Client.getConversation` (bench/swift),
lifting the returned `Conversation` was about half of the Swift process's own CPU per
call, more than the Rust call it wraps (issue #23). The patch reads integers with one
unaligned load from the buffer's bytes and decodes strings in place. Rust strings are
always valid UTF-8, so `String(decoding:as:)` returns exactly what the forced
`String(bytes:encoding:)!` did. Exact-text replacement: fails loudly if a uniffi
upgrade changes the template.

    python3 patch_swift.py path/to/File.swift
"""

import sys

READ_INT_OLD = """    var value: T = 0
    let _ = withUnsafeMutableBytes(of: &value, { reader.data.copyBytes(to: $0, from: range)})
    reader.offset = range.upperBound
    return value.bigEndian
"""

READ_INT_NEW = """    // Patched by bindings/uniffi/patch_swift.py: one load instead of Data.copyBytes.
    let value = reader.data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: range.lowerBound, as: T.self) }
    reader.offset = range.upperBound
    return value.bigEndian
"""

READ_STRING_OLD = """        let len: Int32 = try readInt(&buf)
        return String(bytes: try readBytes(&buf, count: Int(len)), encoding: String.Encoding.utf8)!
"""

READ_STRING_NEW = """        let len: Int32 = try readInt(&buf)
        // Patched by bindings/uniffi/patch_swift.py: decoded in place, no [UInt8] copy.
        let range = buf.offset..<(buf.offset + Int(len))
        guard len >= 0, buf.data.count >= range.upperBound else {
            throw UniffiInternalError.bufferOverflow
        }
        buf.offset = range.upperBound
        return buf.data.withUnsafeBytes { String(decoding: UnsafeRawBufferPointer(rebasing: $0[range]), as: UTF8.self) }
"""

LIFT_STRING_OLD = """        let bytes = UnsafeBufferPointer<UInt8>(start: value.data!, count: Int(value.len))
        return String(bytes: bytes, encoding: String.Encoding.utf8)!
"""

LIFT_STRING_NEW = """        let bytes = UnsafeBufferPointer<UInt8>(start: value.data!, count: Int(value.len))
        return String(decoding: bytes, as: UTF8.self)
"""


def patch(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for old, new in ((READ_INT_OLD, READ_INT_NEW), (READ_STRING_OLD, READ_STRING_NEW), (LIFT_STRING_OLD, LIFT_STRING_NEW)):
        if text.count(old) != 1:
            sys.exit(f"patch_swift.py: expected exactly one template match in {path}, found {text.count(old)}:\n{old}")
        text = text.replace(old, new)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        patch(p)
