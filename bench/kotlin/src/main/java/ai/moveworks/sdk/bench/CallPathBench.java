package ai.moveworks.sdk.bench;

import ai.moveworks.sdk.CancelHandle;
import ai.moveworks.sdk.Client;
import com.sun.jna.Memory;
import ai.moveworks.sdk.model.FfiConverterTypeConversation;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Where a Kotlin getConversation's microseconds go (bench/kotlin/PROFILE.md; not a
 * harness row; {@code bench/kotlin/run.sh jmh-breakdown ...}): the SDK's calls, the
 * JNA calling conventions on the same uniffi symbols (interface vs direct mapping),
 * and the same request through the C ABI. Names: {@code sdk*} the generated Kotlin API,
 * {@code jnaInterface*} / {@code jnaDirect*} the uniffi symbols called through
 * {@link Ffi}, {@code jni*} the same symbols behind a JNI shim ({@link JniShim}),
 * {@code cAbi*} libmoveworks.so (only when {@code cLib} is set).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CallPathBench {
    @Param({"-"}) public String baseUrl;
    @Param({"-"}) public String token;
    @Param({"-"}) public String assistant;
    @Param({"-"}) public String conversation;
    /** Path of libmoveworks.so for the cAbi* benchmarks; "-" when not measured. */
    @Param({"-"}) public String cLib;

    private Client client;
    private CancelHandle handle;
    private Pointer clientPtr;
    private long clientAddress;
    private Pointer handlePtr;
    private byte[] id;
    private final Ffi.CallStatus status = new Ffi.CallStatus();
    private final Ffi.CallStatus noSynch = new Ffi.CallStatus();
    private final Memory rawStatus = new Memory(32);
    private Pointer cClient;
    private byte[] cId;
    private final Memory out = new Memory(8);
    private final Memory err = new Memory(8);

    @Setup(Level.Trial)
    public void open() throws Exception {
        client = BenchSupport.client(baseUrl, token, assistant);
        handle = new CancelHandle();
        // One reference each, held (leaked) for the trial: the Ffi calls borrow them.
        clientPtr = client.uniffiClonePointer();
        clientAddress = Pointer.nativeValue(clientPtr);
        handlePtr = handle.uniffiClonePointer();
        id = conversation.getBytes(StandardCharsets.UTF_8);
        rawStatus.clear();
        noSynch.setAutoSynch(false);
        noSynch.write();
        if (!cLib.equals("-")) {
            Ffi.CAbi.load(cLib);
            cClient = Ffi.CAbi.client(baseUrl, token, assistant);
            cId = Ffi.CAbi.cstr(conversation);
        }
    }

    /** Every iteration starts with an empty simulator request log (see {@link SimulatorLog}). */
    @Setup(Level.Iteration)
    public void clearLog() throws Exception {
        SimulatorLog.clear(baseUrl);
    }

    @TearDown(Level.Trial)
    public void close() {
        client.close();
        handle.close();
        if (cClient != null) Ffi.CAbi.mw_client_free(cClient);
    }

    // -- the generated Kotlin API ---------------------------------------------------------

    /** The whole call, as kotlin.sdk.jmh. */
    @Benchmark
    public String sdkGetConversation() throws Exception {
        return client.getConversation(conversation).getConversationId();
    }

    /** The cheapest SDK call: clone the handle, call, no buffers (one status, reused). */
    @Benchmark
    public boolean sdkHandleIsCancelled() throws Exception {
        return handle.isCancelled();
    }

    /** A method returning a String: clone, call, lift the RustBuffer, free it. */
    @Benchmark
    public String sdkBaseUrl() throws Exception {
        return client.baseUrl();
    }

    // -- JNA calling conventions on the uniffi symbols --------------------------------------

    /** A no-argument int function, interface-mapped (a Proxy + reflection per call). */
    @Benchmark
    public int jnaInterfaceNoop() {
        return Ffi.INTERFACE.ffi_moveworks_uniffi_uniffi_contract_version();
    }

    /** The same function, direct-mapped. */
    @Benchmark
    public int jnaDirectNoop() {
        return Ffi.Direct.ffi_moveworks_uniffi_uniffi_contract_version();
    }

    /** A handle method with a call-status Structure argument, interface-mapped. */
    @Benchmark
    public byte jnaInterfaceStatusCall() {
        return Ffi.INTERFACE.uniffi_moveworks_uniffi_fn_method_cancelhandle_is_cancelled(cloneHandle(), status);
    }

    /**
     * The same with the status's automatic write-before / read-after off, its code byte read
     * after the call: what bindings/uniffi/patch_kotlin.py makes the SDK do.
     */
    @Benchmark
    public byte jnaInterfaceNoSynchStatusCall() {
        byte r = Ffi.INTERFACE.uniffi_moveworks_uniffi_fn_method_cancelhandle_is_cancelled(cloneHandle(), noSynch);
        if (noSynch.getPointer().getByte(0) != 0) throw new IllegalStateException("call failed");
        return r;
    }

    /** The same, direct-mapped (the Structure still written before and read after the call). */
    @Benchmark
    public byte jnaDirectStatusCall() {
        return Ffi.Direct.uniffi_moveworks_uniffi_fn_method_cancelhandle_is_cancelled(cloneHandle(), status);
    }

    /** The same, direct-mapped, the status a raw Pointer (what a generator could pass). */
    @Benchmark
    public byte jnaDirectRawStatusCall() {
        return Ffi.DirectRaw.uniffi_moveworks_uniffi_fn_method_cancelhandle_is_cancelled(cloneHandle(), rawStatus);
    }

    /** The generated getConversation's four calls, interface-mapped, one status reused. */
    @Benchmark
    public void jnaInterfaceGetConversation() {
        Ffi.getConversation(Ffi.INTERFACE, clientPtr, id, status);
    }

    /** The same four calls, direct-mapped. */
    @Benchmark
    public void jnaDirectGetConversation() {
        Ffi.getConversationDirect(clientPtr, id, status);
    }

    // -- a JNI shim over the same uniffi symbols (src/main/c/jni_shim.c) ------------------------

    /** A no-argument int function through one JNI transition. */
    @Benchmark
    public int jniNoop() {
        return JniShim.noop();
    }

    /** getConversation's four calls behind one JNI call; the record decoded by the generated Kotlin reader. */
    @Benchmark
    public String jniGetConversation() {
        byte[] record = JniShim.getConversation(clientAddress, id);
        if (record == null) throw new IllegalStateException("the JNI shim's call failed");
        String got = FfiConverterTypeConversation.INSTANCE.read(ByteBuffer.wrap(record)).getConversationId();
        if (!got.equals(conversation)) throw new IllegalStateException("got conversation id " + got);
        return got;
    }

    // -- the C ABI --------------------------------------------------------------------------

    /** mw_client_get_conversation + mw_conversation_free (libmoveworks.so), direct-mapped. */
    @Benchmark
    public void cAbiGetConversation() {
        if (Ffi.CAbi.mw_client_get_conversation(cClient, cId, out, err) != 0) {
            throw new IllegalStateException("mw_client_get_conversation failed");
        }
        Ffi.CAbi.mw_conversation_free(out.getPointer(0));
    }

    /**
     * A method consumes the handle reference it is given (uniffi 0.29), so each call clones
     * first, as generated; always through the direct mapping with a raw status, so that
     * only the measured call differs between the variants.
     */
    private Pointer cloneHandle() {
        return HandleClone.uniffi_moveworks_uniffi_fn_clone_cancelhandle(handlePtr, rawStatus);
    }

    /** clone_cancelhandle with a raw status: the cheapest way to get the reference a method consumes. */
    public static final class HandleClone {
        static {
            com.sun.jna.Native.register(HandleClone.class, "moveworks_uniffi");
        }

        public static native Pointer uniffi_moveworks_uniffi_fn_clone_cancelhandle(Pointer p, Pointer status);
    }
}
