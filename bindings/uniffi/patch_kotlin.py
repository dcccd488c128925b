"""Post-processes the Kotlin file uniffi-bindgen 0.29 generates (called by generate.sh).

Every generated call (4 per method call that takes a String and returns a record)
allocated a new UniffiRustCallStatus: a JNA Structure plus a nested one, each with
its own native Memory registered with JNA's cleaner (~4-7 us and ~4 kB per call on
JNA 5.13; issue #7). The patch keeps up to two idle statuses per thread and reuses
them (two: lowering a String argument calls rustbuffer_alloc while the method's own
status is taken), and turns JNA's automatic write-before / read-after of a reused
status off: Rust writes it only on failure, so one byte is read after the call and
the whole structure only when that byte says the call failed (~1 us per call on
JNA 5.19, measured with JMH in bench/kotlin; issue #14).
Exact-text replacement: fails loudly if a uniffi upgrade changes the template.

    python3 patch_kotlin.py path/to/moveworks_uniffi.kt

With --model, it patches the model's file (crate `moveworks`) instead: the same
call-status reuse (lifting a record frees its buffer through the model's own
functions), and the variants
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
    // Patched by bindings/uniffi/patch_kotlin.py: reuses this thread's idle call statuses.
    val status = UniffiRustCallStatusCache.take()
    val return_value = callback(status)
    UniffiRustCallStatusCache.readCode(status)
    uniffiCheckCallStatus(errorHandler, status)
    // Only after success: a failed call's status is left to the garbage collector.
    UniffiRustCallStatusCache.give(status)
    return return_value
}

/**
 * Idle call statuses, up to two per thread (added by bindings/uniffi/patch_kotlin.py):
 * a new JNA Structure per call cost more than the call itself. Two, because lowering a
 * String argument calls `rustbuffer_alloc` while the method's own status is taken.
 *
 * @suppress
 */
internal object UniffiRustCallStatusCache {
    private class Idle {
        var first: UniffiRustCallStatus? = null
        var second: UniffiRustCallStatus? = null
    }

    private val idle = ThreadLocal.withInitial { Idle() }

    fun take(): UniffiRustCallStatus {
        val i = idle.get()
        i.first?.let { i.first = null; return it }
        i.second?.let { i.second = null; return it }
        // JNA would write every field before and read every field after each call. Rust
        // writes the status only on failure, and failed statuses are never reused, so
        // success is written once here and readCode() reads one byte after each call.
        return UniffiRustCallStatus().apply {
            setAutoSynch(false)
            write()
        }
    }

    /** Copies the code Rust may have written into the status; the whole status on failure. */
    fun readCode(status: UniffiRustCallStatus) {
        if (status.getPointer().getByte(0) != UNIFFI_CALL_SUCCESS) status.read()
    }

    /** Back to the idle set: only statuses that still hold success, in memory and in fields. */
    fun give(status: UniffiRustCallStatus) {
        val i = idle.get()
        if (i.first == null) i.first = status else if (i.second == null) i.second = status
    }
}
"""


MODEL_PACKAGE = "ai.moveworks.sdk.model"

# (variant field as generated, how many times it occurs)
MODEL_FIELDS = [
    ("val `message`: Message) : EventPayload() {", 1),
    ("val `message`: Message) : OutputItem() {", 1),
    ("val `reasoningMessage`: ReasoningMessage) : OutputItem() {", 1),
]


def patch_calls(text: str, path: str) -> str:
    """The call-status reuse (NEW) in place of the generated uniffiRustCallWithError."""
    if text.count(OLD) != 1:
        sys.exit(f"patch_kotlin.py: uniffiRustCallWithError not found exactly once in {path}; update the patch")
    return text.replace(OLD, NEW)


def patch_model(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # The model makes calls too: lifting a record frees its RustBuffer (and lowering one allocates).
    text = patch_calls(text, path)
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
    with open(path, "w", encoding="utf-8") as f:
        f.write(patch_calls(text, path))


if __name__ == "__main__":
    main()
