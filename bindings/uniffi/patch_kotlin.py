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

It also keeps native threads attached to the JVM after they call into Kotlin
(keep_callback_threads_attached): JNA otherwise attaches and detaches a Rust thread
around every callback, and a stream's reader thread resumes each awaited `nextBatch`
through one (first delta to a Flow collector 722 -> 386 us median, issue #23).

    python3 patch_kotlin.py path/to/moveworks_uniffi.kt

With --model, it patches the model's file (crate `moveworks`) instead: the same
call-status reuse (lifting a record frees its buffer through the model's own
functions), and the variants
`OutputItem.Message(message: Message)`, `OutputItem.ReasoningMessage(...)` and
`EventPayload.Message(...)` carry a record of their own name, and inside the sealed
class the bare name means the variant class itself (uniffi 0.29 writes it bare,
and has no rename attribute). The patch qualifies those field types.

    python3 patch_kotlin.py --model path/to/model/moveworks.kt

Both files then get the documentation pass (docs()): Dokka (bindings/kotlin/docs.sh)
fails on any undocumented public item or unresolved link. The Rust doc comments
uniffi copies use rustdoc's links (`[`x`](Self::x)`, `[`x`](Type::x)`, `[`Client::new`]`), which KDoc
cannot resolve; they are rewritten to KDoc links to the Kotlin names. The public items
uniffi's templates leave without KDoc get one: companion objects, `close()`/`destroy()`,
the `Disposable` interface, `InternalException`, the exception variants' `message` and
the config's and the user token's `toString()`. Plumbing that is public only so generated code in the other
file can reach it gets `@suppress`, as uniffi's templates already do for the rest of it
(`uniffiClonePointer()`, the errors' `ErrorHandler` companion, the custom type's
`FfiConverterTypeTimestamp`).
"""

import re
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


# Every object through which Rust calls Kotlin: the continuation that resumes an awaited
# async call (woken on the Rust thread that completed it: a stream's reader thread for
# `nextBatch`), and the callback interfaces' methods (listeners, token providers, stores).
CALLBACK_OBJECT = re.compile(
    r"^( *)internal object \S+: (UniffiRustFutureContinuationCallback|UniffiCallbackInterface\w+) \{$", re.M
)

CALLBACK_THREADS = """
/**
 * Keeps a native thread attached to the JVM once it called into Kotlin (added by
 * bindings/uniffi/patch_kotlin.py). JNA's default attaches a Rust thread for one callback
 * and detaches it after: a new java.lang.Thread per call, most of a streamed event's
 * latency when a stream's reader thread wakes an awaiting `nextBatch`. An attached
 * thread is a daemon, and JNA detaches it when the thread ends.
 *
 * @suppress
 */
internal object UniffiCallbackThreads {
    private val initializer = com.sun.jna.CallbackThreadInitializer(true, false, "moveworks-native")

    fun keepAttached(callback: com.sun.jna.Callback) {
        com.sun.jna.Native.setCallbackThreadInitializer(callback, initializer)
    }
}
"""


def keep_callback_threads_attached(text: str, path: str) -> str:
    """An init block in every object Rust calls Kotlin through (CALLBACK_OBJECT), and the helper it calls."""
    text, count = CALLBACK_OBJECT.subn(lambda m: m.group(0) + f"\n{m.group(1)}    init {{ UniffiCallbackThreads.keepAttached(this) }}\n", text)
    anchor = "// Async support\n"
    if count < 2 or text.count(anchor) != 1:
        sys.exit(f"patch_kotlin.py: the callback objects or {anchor.strip()!r} not found in {path}; update the patch")
    return text.replace(anchor, CALLBACK_THREADS.lstrip("\n") + "\n" + anchor)


CONTINUATION_RESUME = """    override fun callback(data: Long, pollResult: Byte) {
        uniffiContinuationHandleMap.remove(data).resume(pollResult)
    }"""

CONTINUATION_RESUME_SAFE = """    override fun callback(data: Long, pollResult: Byte) {
        UniffiContinuations.resume(uniffiContinuationHandleMap.remove(data), pollResult)
    }"""

CONTINUATIONS = """
/**
 * Resumes an awaited async call (added by bindings/uniffi/patch_kotlin.py). Rust calls the
 * continuation callback from the future's waker while holding the future's lock, which the
 * next poll takes: a continuation that would run right here (its dispatcher is
 * `Dispatchers.Unconfined`, or it has none, as in a bare `suspend fun main`) would poll on
 * this thread and deadlock (a `Flow` collected `Unconfined` hung forever). Those resume on
 * `Dispatchers.Default`; the others are dispatched to their own threads, as before.
 *
 * @suppress
 */
internal object UniffiContinuations {
    fun resume(continuation: CancellableContinuation<Byte>, pollResult: Byte) {
        val dispatcher = continuation.context[kotlin.coroutines.ContinuationInterceptor] as? kotlinx.coroutines.CoroutineDispatcher
        if (dispatcher != null && dispatcher.isDispatchNeeded(continuation.context)) {
            continuation.resume(pollResult)
        } else {
            kotlinx.coroutines.Dispatchers.Default.dispatch(kotlin.coroutines.EmptyCoroutineContext, Runnable { continuation.resume(pollResult) })
        }
    }
}
"""


def resume_continuations_off_the_waker(text: str, path: str) -> str:
    """The continuation callback through UniffiContinuations (CONTINUATIONS), which it adds."""
    anchor = "// Async support\n"
    if text.count(CONTINUATION_RESUME) != 1 or text.count(anchor) != 1:
        sys.exit(f"patch_kotlin.py: the continuation callback not found exactly once in {path}; update the patch")
    text = text.replace(CONTINUATION_RESUME, CONTINUATION_RESUME_SAFE)
    return text.replace(anchor, CONTINUATIONS.lstrip("\n") + "\n" + anchor)


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


SDK_PACKAGE = "ai.moveworks.sdk"

# Rust names in the doc comments -> Kotlin names in the client's package.
RUST_TYPES = {"Error": "MoveworksException"}
# Rust paths that are not Type::method in Kotlin.
RUST_PATHS = {"Error::details": "details", "Client::new": "Client", "Sandbox::ca_certificate_pem": "Sandbox.caCertificate"}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def kotlin_link(rust: str, model: bool) -> str:
    """A rustdoc path (`Client::list_events`, `Error`) as a KDoc link target."""
    if rust in RUST_PATHS:
        target = RUST_PATHS[rust]
    else:
        parts = rust.split("::")
        parts[0] = RUST_TYPES.get(parts[0], parts[0])
        target = ".".join([parts[0]] + [camel(p) for p in parts[1:]])
    # The model's file is its own package: names of the client's package need qualifying.
    sdk_names = {"Client", "Sandbox", "MoveworksException", "details"}
    if model and target.split(".")[0] in sdk_names:
        target = f"{SDK_PACKAGE}.{target}"
    return f"[{target}]"


def fix_links(line: str, model: bool) -> str:
    # [`label`](Self::name) / [`label`](crate::Type::name): a member, or a type's member.
    line = re.sub(r"\[`[^`\]]*`\]\(Self::(\w+)\)", lambda m: f"[{camel(m.group(1))}]", line)
    line = re.sub(r"\[`[^`\]]*`\]\(crate::(\w+(?:::\w+)*)\)", lambda m: kotlin_link(m.group(1), model), line)
    # [`label`](Type::name): another type's member (`Message::content_references`).
    line = re.sub(r"\[`[^`\]]*`\]\(([A-Z]\w*::\w+)\)", lambda m: kotlin_link(m.group(1), model), line)
    # [`Type::name`], [`Error`], and on the model's side [`Client`] / [`Sandbox`].
    line = re.sub(r"\[`(\w+::\w+)`\]", lambda m: kotlin_link(m.group(1), model), line)
    line = re.sub(r"\[`(Error|Client|Sandbox)`\]", lambda m: kotlin_link(m.group(1), model), line)
    return line


COMPANION = "The companion object (uniffi gives every type one), where extensions such as `Response.fromJson` live."
# (generated line, the KDoc to put above it); each must occur at least once.
DOCS = [
    # Before the companion objects get theirs: this anchor spans the companion's line.
    ("    fun destroy()\n    companion object {", "Releases the native resources."),
    ("    companion object {", COMPANION),
    ("    companion object\n", COMPANION),
    ("    override fun destroy() {",
     "Releases the native object (once; later calls do nothing). Calls on it afterwards throw IllegalStateException."),
    ("    @Synchronized\n    override fun close() {",
     "Releases the native object: the same as [destroy], for `use { }`."),
    ("interface Disposable {", "An object holding native resources, which [destroy] releases."),
    ("        fun destroy(vararg args: Any?) {",
     "Calls [Disposable.destroy] on each argument that is one, and on those inside lists and maps."),
    ("class InternalException(message: String)",
     "A call failed in a way its declaration does not allow: a bug in the generated bindings, never expected."),
    ("        override val message\n", "The error's details as text."),
]
SUPPRESS = [
    "    fun uniffiClonePointer(): Pointer {",
    "    companion object ErrorHandler : UniffiRustCallStatusErrorHandler<",
    "public typealias FfiConverterTypeTimestamp =",
    "public typealias FfiConverterTypeHttpHeaders =",
]
# The two Display-exported objects whose toString() hides a secret, with their KDoc.
TO_STRING = {
    name: "    override fun toString(): String {\n        return FfiConverterString.lift(\n    callWithPointer {\n    uniffiRustCall() { _status ->\n"
    f"    UniffiLib.INSTANCE.uniffi_moveworks_uniffi_fn_method_{name.lower()}_uniffi_trait_display("
    for name in ("ClientConfig", "UserToken")
}
TO_STRING_DOCS = {
    "ClientConfig": "The configuration as text, the token and client secret shown as `[redacted]`.",
    "UserToken": "The token as text, the token itself shown as `[redacted]`.",
}


def kdoc_before(text: str, anchor: str, body: str) -> str:
    """Puts `/** body */` above every undocumented occurrence of anchor (at its indentation)."""
    out, pos, found = [], 0, False
    while (i := text.find(anchor, pos)) >= 0:
        start = text.rfind("\n", 0, i) + 1  # the anchor begins a line
        found = True
        before = text[:start].rstrip()
        if not before.endswith("*/") and text[start:i].strip() == "":
            indent = text[start:i] + anchor[: len(anchor) - len(anchor.lstrip())]
            out.append(text[pos:start] + f"{indent}/** {body} */\n")
            pos = start
        out.append(text[pos:i + len(anchor)])
        pos = i + len(anchor)
    if not found:
        return text
    out.append(text[pos:])
    return "".join(out)


def docs(text: str, model: bool, path: str) -> str:
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if line.lstrip().startswith("*") or line.lstrip().startswith("/**"):
            lines[n] = fix_links(line, model)
    text = "\n".join(lines)
    for anchor, body in DOCS:
        text = kdoc_before(text, anchor, body)
    for anchor in SUPPRESS:
        text = kdoc_before(text, anchor, "@suppress")
    if model:
        # The one flat enum (LogLevel): Dokka 2.2 (Maven) reports the compiler's values(),
        # valueOf() and entries as undocumented, which nothing in the source can document.
        # Left out of the reference; its five cases are listed in MoveworksLogging's KDoc
        # (Logging.kt), where users meet it.
        text, n = re.subn(r"\n \*/\n\s*\nenum class LogLevel \{", "\n *\n * @suppress\n */\nenum class LogLevel {", text)
        if n != 1:
            sys.exit(f"patch_kotlin.py: enum class LogLevel not found in {path}; update the patch")
    if not model:
        for name, anchor in TO_STRING.items():
            if text.count(anchor) != 1:
                sys.exit(f"patch_kotlin.py: {name}.toString not found in {path}; update the patch")
            text = kdoc_before(text, anchor, TO_STRING_DOCS[name])
    return text


def rewrite(path: str, change) -> None:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(change(text))


def main() -> None:
    if sys.argv[1] == "--model":
        path = sys.argv[2]
        patch_model(path)
        rewrite(path, lambda text: docs(text, True, path))
        return
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        text = keep_callback_threads_attached(patch_calls(text, path), path)
        f.write(docs(resume_continuations_off_the_waker(text, path), False, path))


if __name__ == "__main__":
    main()
