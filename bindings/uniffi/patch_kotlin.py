"""Post-processes the Kotlin file uniffi-bindgen 0.29 generates (called by generate.sh).

Every generated call (4 per method call that takes a String and returns a record)
allocated a new UniffiRustCallStatus: a JNA Structure plus a nested one, each with
its own native Memory registered with JNA's cleaner (~4-7 us and ~4 kB per call on
JNA 5.13; issue #7). The patch keeps one idle status per thread and reuses it.
Exact-text replacement: fails loudly if a uniffi upgrade changes the template.

    python3 patch_kotlin.py path/to/moveworks_uniffi.kt

With --model, it patches the model's file (crate `moveworks`) instead: the variants
`OutputItem.Message(message: Message)`, `OutputItem.ReasoningMessage(...)` and
`EventPayload.Message(...)` carry a record of their own name, and inside the sealed
class the bare name means the variant class itself (uniffi 0.29 writes it bare,
and has no rename attribute). The patch qualifies those field types.

    python3 patch_kotlin.py --model path/to/model/moveworks.kt
"""

import sys

OLD = """private inline fun <U, E: kotlin.Exception> uniffiRustCallWithError(errorHandler: UniffiRustCallStatusErrorHandler<E>, callback: (UniffiRustCallStatus) -> U): U {
    var status = UniffiRustCallStatus()
    val return_value = callback(status)
    uniffiCheckCallStatus(errorHandler, status)
    return return_value
}
"""

NEW = """private inline fun <U, E: kotlin.Exception> uniffiRustCallWithError(errorHandler: UniffiRustCallStatusErrorHandler<E>, callback: (UniffiRustCallStatus) -> U): U {
    // Patched by bindings/uniffi/patch_kotlin.py: reuses this thread's idle call status.
    val status = UniffiRustCallStatusCache.take()
    val return_value = callback(status)
    uniffiCheckCallStatus(errorHandler, status)
    // Only after success: a failed call's status is left to the garbage collector.
    UniffiRustCallStatusCache.give(status)
    return return_value
}

/**
 * One idle call status per thread (added by bindings/uniffi/patch_kotlin.py): a new
 * JNA Structure per call cost more than the call itself.
 *
 * @suppress
 */
internal object UniffiRustCallStatusCache {
    private val idle = ThreadLocal<UniffiRustCallStatus>()

    fun take(): UniffiRustCallStatus {
        val status = idle.get() ?: return UniffiRustCallStatus()
        // Taken: a nested call on this thread (from a callback) allocates its own.
        idle.set(null)
        // Rust writes the status only on failure, so success must be preset.
        status.code = UNIFFI_CALL_SUCCESS
        return status
    }

    fun give(status: UniffiRustCallStatus) = idle.set(status)
}
"""


MODEL_PACKAGE = "ai.moveworks.sdk.model"

# (variant field as generated, how many times it occurs)
MODEL_FIELDS = [
    ("val `message`: Message) : EventPayload() {", 1),
    ("val `message`: Message) : OutputItem() {", 1),
    ("val `reasoningMessage`: ReasoningMessage) : OutputItem() {", 1),
]


def patch_model(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for old, count in MODEL_FIELDS:
        if text.count(old) != count:
            sys.exit(f"patch_kotlin.py: {old!r} not found {count} time(s) in {path}; update the patch")
        name = old.split(": ", 1)[1].split(")", 1)[0]
        text = text.replace(old, old.replace(f": {name})", f": {MODEL_PACKAGE}.{name})"))
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main() -> None:
    if sys.argv[1] == "--model":
        patch_model(sys.argv[2])
        return
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text.count(OLD) != 1:
        sys.exit(f"patch_kotlin.py: uniffiRustCallWithError not found exactly once in {path}; update the patch")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(OLD, NEW))


if __name__ == "__main__":
    main()
