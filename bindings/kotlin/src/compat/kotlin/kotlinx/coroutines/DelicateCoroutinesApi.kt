// Compile-time stand-in for an opt-in marker that kotlinx-coroutines added in
// 1.5. The uniffi-generated code imports it; Debian's kotlinx-coroutines 1.0.1
// (the only one installable on CI) lacks it. test.sh compiles this file only
// when the coroutines jar on the classpath has no such class. Apps using a
// current kotlinx-coroutines never need it.
package kotlinx.coroutines

@Retention(AnnotationRetention.BINARY)
annotation class DelicateCoroutinesApi
