// Entry point of the Kotlin test suite: java -cp ... ai.moveworks.sdk.test.MainKt <simulator> <scenarios.json>
package ai.moveworks.sdk.test

import java.io.File
import kotlin.system.exitProcess

fun main(args: Array<String>) {
    require(args.size == 2) { "usage: MainKt <moveworks-simulator binary> <scenarios.json>" }
    val tests = Tests()
    Simulator(args[0]).use { sim ->
        Conformance(sim).runAll(File(args[1]), tests)
        val api = ApiTests(sim, tests)
        api.runAll()
        tests.run("bench/overhead") { println(api.measureOverhead()) }
    }
    SecurityTests(args[0], tests).runAll()
    SandboxTests(tests).runAll()
    println("${tests.passed} passed, ${tests.failed} failed")
    exitProcess(if (tests.failed == 0 && tests.passed > 0) 0 else 1)
}
