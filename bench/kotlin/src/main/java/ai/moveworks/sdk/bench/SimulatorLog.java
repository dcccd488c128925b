package ai.moveworks.sdk.bench;

import java.net.HttpURLConnection;
import java.net.URI;

/** The simulator's request log, cleared between JMH iterations. */
final class SimulatorLog {
    private SimulatorLog() {}

    /**
     * {@code DELETE {origin}/_sim/requests}, as bench/run.py does before each program run:
     * the log keeps up to 100,000 entries (~150 MB), and a JMH run makes several times
     * that many calls, so without this the later iterations would time a simulator
     * the Rust row (22,000 calls per run) never sees.
     */
    static void clear(String baseUrl) throws Exception {
        URI base = URI.create(baseUrl);
        HttpURLConnection c = (HttpURLConnection)
                new URI(base.getScheme() + "://" + base.getRawAuthority() + "/_sim/requests").toURL().openConnection();
        c.setRequestMethod("DELETE");
        int status = c.getResponseCode();
        c.getInputStream().readAllBytes();
        c.disconnect();
        if (status / 100 != 2) throw new IllegalStateException("DELETE /_sim/requests: HTTP " + status);
    }
}
