package ai.moveworks.sdk.bench;

/** The JNI shim of src/main/c/jni_shim.c (libmwbenchjni.so, on java.library.path via run.sh). */
public final class JniShim {
    private JniShim() {}

    static {
        System.loadLibrary("mwbenchjni");
    }

    /** ffi_moveworks_uniffi_uniffi_contract_version through one JNI transition. */
    public static native int noop();

    /** The four uniffi calls of getConversation natively; the serialized record, or null on failure. */
    public static native byte[] getConversation(long client, byte[] id);
}
