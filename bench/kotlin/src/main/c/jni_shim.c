/*
 * A JNI shim for CallPathBench (bench/kotlin): the four uniffi calls one generated
 * getConversation makes (clone, rustbuffer_alloc, the method, rustbuffer_free), made
 * natively behind one JNI call that returns the serialized record as a byte[]. It
 * measures what a JNI binding of the same uniffi scaffolding would cost; not part of
 * the SDK. Built by bench/kotlin/build.sh against libmoveworks_uniffi.so.
 */
#include <jni.h>
#include <stdint.h>

typedef struct {
    uint64_t capacity;
    uint64_t len;
    uint8_t *data;
} RustBuffer;

typedef struct {
    int8_t code;
    RustBuffer error_buf;
} RustCallStatus;

/* uniffi 0.29 scaffolding of bindings/uniffi (see the Swift package's MoveworksSDKFFI.h). */
extern uint32_t ffi_moveworks_uniffi_uniffi_contract_version(void);
extern void *uniffi_moveworks_uniffi_fn_clone_client(void *ptr, RustCallStatus *status);
extern RustBuffer ffi_moveworks_uniffi_rustbuffer_alloc(uint64_t size, RustCallStatus *status);
extern RustBuffer uniffi_moveworks_uniffi_fn_method_client_get_conversation(void *ptr, RustBuffer id,
                                                                            RustCallStatus *status);
extern void ffi_moveworks_uniffi_rustbuffer_free(RustBuffer buf, RustCallStatus *status);

/* The cheapest call: one JNI transition, no arguments. */
JNIEXPORT jint JNICALL Java_ai_moveworks_sdk_bench_JniShim_noop(JNIEnv *env, jclass cls) {
    (void)env;
    (void)cls;
    return (jint)ffi_moveworks_uniffi_uniffi_contract_version();
}

/* The record's bytes, or NULL when a call failed (the Java side throws). */
JNIEXPORT jbyteArray JNICALL Java_ai_moveworks_sdk_bench_JniShim_getConversation(JNIEnv *env, jclass cls,
                                                                                 jlong client, jbyteArray id) {
    (void)cls;
    RustCallStatus s = {0};
    void *p = uniffi_moveworks_uniffi_fn_clone_client((void *)(intptr_t)client, &s);
    if (s.code != 0) return NULL;
    jsize n = (*env)->GetArrayLength(env, id);
    RustBuffer arg = ffi_moveworks_uniffi_rustbuffer_alloc((uint64_t)n, &s);
    if (s.code != 0) return NULL;
    (*env)->GetByteArrayRegion(env, id, 0, n, (jbyte *)arg.data);
    arg.len = (uint64_t)n;
    RustBuffer r = uniffi_moveworks_uniffi_fn_method_client_get_conversation(p, arg, &s);
    if (s.code != 0) return NULL; /* the error buffer leaks: the bench then fails anyway */
    jbyteArray out = (*env)->NewByteArray(env, (jsize)r.len);
    if (out != NULL) (*env)->SetByteArrayRegion(env, out, 0, (jsize)r.len, (const jbyte *)r.data);
    ffi_moveworks_uniffi_rustbuffer_free(r, &s);
    return out;
}
