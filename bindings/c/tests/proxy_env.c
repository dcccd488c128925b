/*
 * The proxy environment variables with curl's rules (HTTPS_PROXY, NO_PROXY with a host,
 * a CIDR, a list and "*"; "localhost" does not cover 127.0.0.1), through the real
 * forward proxy of scripts/proxies.sh, whose log shows each tunnel; a dead proxy from
 * the environment never shows its password; proxy_from_env=false and the proxy option
 * win over the environment; MOVEWORKS_LOG sets the default log level. Last, the README's
 * "Behind a corporate proxy" example (examples/corporate_proxy.c, its path the first
 * argument) run as a program through the TLS-inspecting proxy, trusting its root.
 *
 * A program of its own: it changes the process environment, which every client built
 * meanwhile reads. Without the proxies' variables it is skipped (fails when CI is set).
 */
#include "harness.h"

static mw_sandbox *g_sb;
static char g_port[16];

static int connects_seen(const char *log) {
    char needle[64];
    snprintf(needle, sizeof needle, "CONNECT 127.0.0.1:%s ", g_port);
    FILE *f = fopen(log, "rb");
    if (!f) return 0;
    int n = 0;
    char line[4096];
    while (fgets(line, sizeof line, f))
        if (strstr(line, needle)) n++;
    fclose(f);
    return n;
}

/* One call with a client of the sandbox (options JSON over its own); returns the status. */
static mw_status call(const char *options_json, mw_error **err) {
    mw_client *c = NULL;
    mw_conversation *conv = NULL;
    mw_status st = mw_sandbox_client(g_sb, options_json, &c, err);
    if (st == MW_OK) st = mw_client_create_conversation(c, NULL, &conv, err);
    mw_conversation_free(conv);
    mw_client_free(c);
    return st;
}

static char *sandbox_string(mw_status (*f)(const mw_sandbox *, char **)) {
    char *s = NULL;
    CHECK_STATUS(f(g_sb, &s), MW_OK, NULL);
    return s;
}

int main(int argc, char **argv) {
    /* Before anything reads it: the default level comes from MOVEWORKS_LOG. */
    setenv("MOVEWORKS_LOG", "info", 1);
    CHECK(mw_get_log_level() == MW_LOG_INFO);
    unsetenv("MOVEWORKS_LOG");

    const char *proxy = getenv("MOVEWORKS_TEST_FORWARD_PROXY");
    const char *log = getenv("MOVEWORKS_TEST_FORWARD_PROXY_LOG");
    const char *inspecting = getenv("MOVEWORKS_TEST_INSPECTING_PROXY");
    const char *root = getenv("MOVEWORKS_TEST_INSPECTING_PROXY_CA");
    if (!proxy || !log || !inspecting || !root) {
        if (getenv("CI")) {
            fprintf(stderr, "FAIL: the proxies' variables are not set: run eval \"$(bash scripts/proxies.sh start)\"\n");
            g_failed++;
        } else {
            fprintf(stderr, "skipped: the proxies are not running (scripts/proxies.sh start)\n");
        }
        return report("proxy_env");
    }
    const char *names[] = {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "http_proxy", "no_proxy", "NO_PROXY"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) unsetenv(names[i]);

    mw_error *err = NULL;
    CHECK_STATUS(mw_sandbox_start("{\"tls\": true}", &g_sb, &err), MW_OK, err);
    mw_error_free(err);
    err = NULL;
    if (!g_sb) return report("proxy_env");
    char *url = sandbox_string(mw_sandbox_base_url);
    const char *p = strchr(url + strlen("https://"), ':') + 1;
    snprintf(g_port, sizeof g_port, "%.*s", (int)strcspn(p, "/"), p);

    /* HTTPS_PROXY is followed. */
    setenv("HTTPS_PROXY", proxy, 1);
    int before = connects_seen(log);
    CHECK_STATUS(call(NULL, &err), MW_OK, err);
    CHECK(connects_seen(log) == before + 1);

    /* NO_PROXY bypasses it: a host, a list with a CIDR, and "*". */
    const char *bypass[] = {"127.0.0.1", "example.com, 127.0.0.0/8", "*"};
    for (size_t i = 0; i < 3; i++) {
        setenv("NO_PROXY", bypass[i], 1);
        CHECK_STATUS(call(NULL, &err), MW_OK, err);
        int n = connects_seen(log);
        CHECK(n == before + 1);
        if (n != before + 1) fprintf(stderr, "  NO_PROXY=%s did not bypass the proxy\n", bypass[i]);
    }
    /* curl's rule: "localhost" does not cover 127.0.0.1. */
    setenv("NO_PROXY", "localhost", 1);
    CHECK_STATUS(call(NULL, &err), MW_OK, err);
    CHECK(connects_seen(log) == before + 2);
    unsetenv("NO_PROXY");

    /* A dead proxy with credentials: a connection error that never shows them. */
    setenv("HTTPS_PROXY", "http://dead-user:dead-password-55@127.0.0.1:9", 1);
    CHECK_STATUS(call("{\"max_retries\": 0}", &err), MW_CONNECTION, err);
    CHECK(err && !strstr(mw_error_message(err), "dead-password-55"));
    mw_error_free(err);
    err = NULL;
    /* Ignored when the client says so, and overridden by the proxy option. */
    CHECK_STATUS(call("{\"proxy_from_env\": false}", &err), MW_OK, err);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "proxy", proxy);
    char *with_proxy = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    CHECK_STATUS(call(with_proxy, &err), MW_OK, err);
    free(with_proxy);
    CHECK(connects_seen(log) == before + 3);
    unsetenv("HTTPS_PROXY");

    /* The README's example, as a program, through the TLS-inspecting proxy trusting its root. */
    if (argc > 1) {
        char *name = sandbox_string(mw_sandbox_assistant_name), *token = sandbox_string(mw_sandbox_token);
        setenv("MOVEWORKS_BASE_URL", url, 1);
        setenv("MOVEWORKS_ASSISTANT_NAME", name, 1);
        setenv("MOVEWORKS_TOKEN", token, 1);
        setenv("CORP_PROXY", inspecting, 1);
        setenv("CORP_ROOT_CA", root, 1);
        /* Its stdout and its log records (stderr), which never show the proxy's password. */
        char command[4096], line[1024];
        snprintf(command, sizeof command, "%s 2>&1", argv[1]);
        FILE *run = popen(command, "r");
        int answered = 0, logged = 0, secret = 0;
        while (run && fgets(line, sizeof line, run)) {
            answered |= strcmp(line, "conversation: from the README\n") == 0;
            logged |= strncmp(line, "[moveworks debug] POST /rest/v1beta1/conversations -> 201", 57) == 0;
            secret |= strstr(line, "proxy-secret") != NULL || strstr(line, token) != NULL;
            if (!strstr(line, "[moveworks")) fputs(line, stderr);
        }
        CHECK(run && pclose(run) == 0);
        CHECK(answered);
        CHECK(logged);
        CHECK(!secret);
        mw_string_free(name);
        mw_string_free(token);
    } else {
        fprintf(stderr, "FAIL: usage: proxy_env PATH-TO-corporate_proxy\n");
        g_failed++;
    }
    mw_error_free(err);
    mw_string_free(url);
    mw_sandbox_stop(g_sb);
    return report("proxy_env");
}
