// The JUnit 5 entry points: each suite registers its named checks (Harness.kt's Tests)
// and returns them as dynamic tests, so surefire reports every check by name and a
// failing check fails `mvn verify`. Surefire passes the simulator binary and the
// scenarios file as system properties (pom.xml); the native library comes from the
// classpath (linux-x86-64/ in target/classes, as in the jar), never jna.library.path.
package ai.moveworks.sdk.test

import com.sun.jna.NativeLibrary
import com.sun.jna.Platform
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.TestInstance
import java.io.File

private fun property(name: String): String =
    System.getProperty(name) ?: error("system property $name is not set (surefire sets it from pom.xml)")

/** The `moveworks-simulator` binary cargo built. */
internal val simulatorBinary: String get() = property("moveworks.simulator")

/** One simulator for the conformance scenarios, the API checks and the overhead measurement. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConformanceAndApiTest {
    private lateinit var sim: Simulator

    @BeforeAll
    fun start() {
        sim = Simulator(simulatorBinary)
    }

    @AfterAll
    fun stop() = sim.close()

    @TestFactory
    fun conformance(): List<DynamicTest> {
        val tests = Tests()
        val scenarios = File(property("moveworks.scenarios"))
        Conformance(sim).runAll(scenarios, tests)
        Conformance(sim).runAll(scenarios.resolveSibling("v1-scenarios.json"), tests)
        return tests.dynamicTests()
    }

    @TestFactory
    fun api(): List<DynamicTest> {
        val tests = Tests()
        val api = ApiTests(sim, tests)
        api.runAll()
        AsyncStreamTests(sim, tests).runAll()
        V1Tests(sim, tests).runAll()
        // Informational (stdout, grepped by test.sh); passes whatever the figure.
        tests.run("bench/overhead") { println(api.measureOverhead()) }
        return tests.dynamicTests()
    }
}

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityTest {
    private lateinit var suite: SecurityTests

    @TestFactory
    fun security(): List<DynamicTest> {
        val tests = Tests()
        suite = SecurityTests(simulatorBinary, tests)
        suite.runAll()
        return tests.dynamicTests()
    }

    @AfterAll
    fun stop() {
        if (this::suite.isInitialized) suite.close()
    }
}

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NetworkTest {
    private lateinit var suite: NetworkTests

    @TestFactory
    fun network(): List<DynamicTest> {
        val tests = Tests()
        suite = NetworkTests(tests)
        suite.runAll()
        return tests.dynamicTests()
    }

    @AfterAll
    fun stop() {
        if (this::suite.isInitialized) suite.close()
    }
}

class SandboxTest {
    @TestFactory
    fun sandbox(): List<DynamicTest> {
        val tests = Tests()
        SandboxTests(tests).runAll()
        return tests.dynamicTests()
    }
}

class NativeLibraryTest {
    /** The library is found as a classpath resource, the way the jar ships it. */
    @Test
    fun loadsFromTheClasspathResource() {
        assertEq(null, System.getProperty("jna.library.path"), "jna.library.path")
        val path = "${Platform.RESOURCE_PREFIX}/${System.mapLibraryName("moveworks_uniffi")}"
        assertTrue(javaClass.classLoader.getResource(path) != null) { "$path is not on the classpath" }
        ai.moveworks.sdk.sdkVersion() // loads it through the generated bindings
        val file = NativeLibrary.getInstance("moveworks_uniffi").file
        // Surefire puts target/classes on the classpath as a directory: JNA uses the file in place.
        assertTrue(file.path.endsWith("/classes/$path")) { "loaded from $file, not from the classpath resource" }
    }
}
