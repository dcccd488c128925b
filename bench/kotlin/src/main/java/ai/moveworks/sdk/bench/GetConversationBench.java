package ai.moveworks.sdk.bench;

import ai.moveworks.sdk.Client;
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
 * The kotlin.sdk.jmh row (bench/PROTOCOL.md, latency): the generated Kotlin
 * {@code Client.getConversation} against the simulator, one keep-alive connection,
 * sequential calls; the same request as rust.sdk. Sampled per call
 * ({@link Mode#SampleTime}) so the harness gets a distribution, not only a mean.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GetConversationBench {
    /** The simulator (set by JmhMain from the harness's arguments; "-" is unset). */
    @Param({"-"}) public String baseUrl;
    @Param({"-"}) public String token;
    @Param({"-"}) public String assistant;
    @Param({"-"}) public String conversation;

    private Client client;

    @Setup(Level.Trial)
    public void open() throws Exception {
        client = BenchSupport.client(baseUrl, token, assistant);
    }

    /** Every iteration starts with an empty simulator request log (see {@link SimulatorLog}). */
    @Setup(Level.Iteration)
    public void clearLog() throws Exception {
        SimulatorLog.clear(baseUrl);
    }

    @TearDown(Level.Trial)
    public void close() {
        client.close();
    }

    /** One call, its decoded id checked: a broken client must not post a fast time. */
    @Benchmark
    public String getConversation() throws Exception {
        String got = client.getConversation(conversation).getConversationId();
        if (!got.equals(conversation)) {
            throw new IllegalStateException("got conversation id " + got + ", want " + conversation);
        }
        return got;
    }
}
