# The JVM libraries bench/kotlin/{build,run}.sh compile and run against. Kept only for
# them: bindings/kotlin itself builds with Maven (pom.xml), and bench/kotlin is moving
# to a Maven build of its own, after which this file goes.
# kotlinx-coroutines comes from Maven Central (by mvn): Debian's 1.0.1 predates
# Flow, which the streaming API returns.
coroutines_version=1.10.2
coroutines_jar="$HOME/.m2/repository/org/jetbrains/kotlinx/kotlinx-coroutines-core-jvm/$coroutines_version/kotlinx-coroutines-core-jvm-$coroutines_version.jar"
kotlin_cp_libs="/usr/share/java/jna.jar:$coroutines_jar"
