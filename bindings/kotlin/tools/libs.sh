# The JVM libraries the Kotlin bindings compile and run against, sourced by
# bindings/kotlin/test.sh (which installs them) and bench/kotlin/{build,run}.sh.
# kotlinx-coroutines comes from Maven Central (by mvn): Debian's 1.0.1 predates
# Flow, which the streaming API returns.
coroutines_version=1.10.2
coroutines_jar="$HOME/.m2/repository/org/jetbrains/kotlinx/kotlinx-coroutines-core-jvm/$coroutines_version/kotlinx-coroutines-core-jvm-$coroutines_version.jar"
kotlin_cp_libs="/usr/share/java/jna.jar:$coroutines_jar"
