package ai.moveworks.sdk.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Statistics;

/**
 * The JMH bench program (bench/PROTOCOL.md):
 *
 * <pre>
 *   latency   --base-url URL --token T --assistant N --conversation ID [JMH options]
 *             row kotlin.sdk.jmh: GetConversationBench, every sampled call's time as samples_ns
 *   breakdown --base-url URL --token T --assistant N --conversation ID [--c-lib PATH] [--include REGEX] [JMH options]
 *             CallPathBench (not called by the harness): one row kotlin.breakdown, us/op per benchmark
 *   JMH options: --wi N --w SECONDS --i N --r SECONDS --forks N --prof NAME[,NAME] (e.g. stack, gc)
 *             --mode avgt|sample (breakdown; default avgt)
 * </pre>
 *
 * JMH's own report goes to stderr; the last stdout line is {"rows": [...]}. A failing
 * benchmark (a wrong conversation id throws) exits non-zero.
 */
public final class JmhMain {
    private JmhMain() {}

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0 || !(argv[0].equals("latency") || argv[0].equals("breakdown"))) {
            usage();
        }
        Map<String, String> o = new HashMap<>();
        for (int i = 1; i < argv.length; i += 2) {
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) usage();
            o.put(argv[i].substring(2), argv[i + 1]);
        }
        for (String k : new String[] {"base-url", "token", "assistant", "conversation"}) {
            if (!o.containsKey(k)) usage();
        }
        boolean latency = argv[0].equals("latency");
        Class<?> bench = latency ? GetConversationBench.class : CallPathBench.class;
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include(bench.getName() + "\\." + o.getOrDefault("include", ".*"))
                .param("baseUrl", o.get("base-url"))
                .param("token", o.get("token"))
                .param("assistant", o.get("assistant"))
                .param("conversation", o.get("conversation"))
                .warmupIterations(Integer.parseInt(o.getOrDefault("wi", "5")))
                .warmupTime(seconds(o.getOrDefault("w", "2")))
                .measurementIterations(Integer.parseInt(o.getOrDefault("i", "10")))
                .measurementTime(seconds(o.getOrDefault("r", "2")))
                .forks(Integer.parseInt(o.getOrDefault("forks", "1")))
                .shouldFailOnError(true);
        if (!latency) b = b.param("cLib", o.getOrDefault("c-lib", "-"));
        if (!latency && !o.containsKey("c-lib")) b = b.exclude("cAbi");
        if (o.containsKey("prof")) {
            for (String p : o.get("prof").split(",")) b = b.addProfiler(p);
        }
        // Medians resist other load on a shared machine better than AverageTime's mean.
        if (o.containsKey("mode")) b = b.mode(Mode.deepValueOf(o.get("mode")));
        // JMH reports on System.out; the protocol reserves stdout for the JSON row.
        PrintStream stdout = System.out;
        System.setOut(System.err);
        List<RunResult> results = new ArrayList<>(new Runner(b.build()).run());
        System.setOut(stdout);
        if (results.isEmpty()) throw new IllegalStateException("JMH ran no benchmark");
        stdout.println(latency ? latencyRow(results.get(0)) : breakdownRow(results));
        stdout.flush();
        System.exit(0);
    }

    private static TimeValue seconds(String s) {
        return new TimeValue(Math.round(Double.parseDouble(s) * 1000), TimeUnit.MILLISECONDS);
    }

    /** kotlin.sdk.jmh: the samples (us in JMH, ns in the row) plus JMH's own summary. */
    private static String latencyRow(RunResult r) {
        Statistics all = r.getPrimaryResult().getStatistics();
        StringBuilder samples = new StringBuilder();
        for (Iterator<Map.Entry<Double, Long>> it = all.getRawData(); it.hasNext(); ) {
            Map.Entry<Double, Long> e = it.next();
            long ns = Math.round(e.getKey() * 1000);
            for (long n = 0; n < e.getValue(); n++) {
                if (samples.length() > 0) samples.append(',');
                samples.append(ns);
            }
        }
        StringBuilder forks = new StringBuilder();
        for (BenchmarkResult f : r.getBenchmarkResults()) {
            if (forks.length() > 0) forks.append(',');
            forks.append(String.format("%.3f", f.getPrimaryResult().getStatistics().getPercentile(50)));
        }
        System.err.printf("kotlin.sdk.jmh: median %.2f us, mean %.2f +- %.2f us (99.9%%), %d samples%n",
                all.getPercentile(50), all.getMean(), r.getPrimaryResult().getScoreError(), all.getN());
        return String.format(
                "{\"rows\": [{\"id\": \"kotlin.sdk.jmh\", \"jmh\": {\"mode\": \"sample\", \"median_us\": %.3f, "
                        + "\"mean_us\": %.3f, \"error_us\": %.3f, \"samples\": %d, \"fork_medians_us\": [%s]}, "
                        + "\"samples_ns\": [%s]}]}",
                all.getPercentile(50), all.getMean(), r.getPrimaryResult().getScoreError(), all.getN(), forks, samples);
    }

    /** kotlin.breakdown: us/op and its 99.9% error per benchmark. */
    private static String breakdownRow(List<RunResult> results) {
        StringBuilder pieces = new StringBuilder();
        for (RunResult r : results) {
            String label = r.getParams().getBenchmark();
            label = label.substring(label.lastIndexOf('.') + 1);
            if (pieces.length() > 0) pieces.append(", ");
            Statistics st = r.getPrimaryResult().getStatistics();
            pieces.append(String.format("\"%s\": {\"us_per_op\": %.4f, \"error_us\": %.4f, \"median_us\": %.4f}",
                    label, r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError(),
                    st.getPercentile(50)));
        }
        return "{\"rows\": [{\"id\": \"kotlin.breakdown\", \"pieces\": {" + pieces + "}}]}";
    }

    private static void usage() {
        System.err.println("usage: latency|breakdown --base-url URL --token T --assistant N --conversation ID "
                + "[--wi N --w S --i N --r S --forks N --prof NAME --mode avgt|sample --include REGEX --c-lib PATH]");
        System.exit(2);
    }
}
