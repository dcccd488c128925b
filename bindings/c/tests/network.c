/*
 * Behind a company network (issue #24), against one in-process TLS sandbox and the real
 * proxies of scripts/proxies.sh (tinyproxy with Basic auth, mitmproxy inspecting TLS):
 * https with the sandbox's CA and the unknown-issuer error without it; calls and a
 * streamed turn through the forward proxy (its log shows the CONNECT) and through the
 * inspecting proxy trusting its CA; a wrong proxy password never shown; per-call extras
 * on the wire (the sandbox's request log) and owned headers refused; the answer's
 * headers on objects and errors; the log callback (a 503 then a success: two attempt
 * records) with no secret at any level, trace included. The environment-variable proxy
 * rules (HTTPS_PROXY, NO_PROXY) are tests/proxy_env.c, a process of their own.
 *
 * Without the proxies' variables the proxy tests are skipped, or fail when CI is set.
 */
#include <pthread.h>

#include "harness.h"

static const char *PROXY_PASSWORD = "proxy-secret-7f3a";

static mw_sandbox *g_sb;
static char *g_port; /* the sandbox's port, as text */

/* A proxies.sh variable, or NULL (then the caller skips; under CI that is a failure). */
static const char *proxy_var(const char *name) {
    const char *v = getenv(name);
    if (v && *v) return v;
    if (getenv("CI")) {
        fprintf(stderr, "FAIL: %s is not set: run eval \"$(bash scripts/proxies.sh start)\"\n", name);
        g_failed++;
    } else {
        fprintf(stderr, "skipped: %s is not set (scripts/proxies.sh start)\n", name);
    }
    return NULL;
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

/* How many tunnels to the sandbox the forward proxy's log shows. */
static int connects_seen(const char *log) {
    char needle[64];
    snprintf(needle, sizeof needle, "CONNECT 127.0.0.1:%s ", g_port);
    char *text = read_file(log);
    int n = 0;
    for (char *p = text; p && (p = strstr(p, needle)); p += strlen(needle)) n++;
    free(text);
    return n;
}

/* A client of the sandbox with these options (JSON) over its own; NULL on failure. */
static mw_client *client_with(const char *options_json) {
    mw_client *c = NULL;
    mw_error *err = NULL;
    CHECK_STATUS(mw_sandbox_client(g_sb, options_json, &c, &err), MW_OK, err);
    mw_error_free(err);
    return c;
}

static char *json_pair(const char *key, const char *value) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, key, value);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* Creates a conversation titled `title`; returns the status (the error, if any, to *err). */
static mw_status create(const mw_client *c, const char *title, mw_error **err) {
    mw_conversation *conv = NULL;
    mw_status st = mw_client_create_conversation(c, title, &conv, err);
    mw_conversation_free(conv);
    return st;
}

/* Every string of an error, for "never shown" checks. */
static int error_shows(const mw_error *err, const char *secret) {
    const char *texts[] = {mw_error_message(err), mw_error_kind_name(err), mw_error_code(err),
                           mw_error_argument(err), mw_error_body_excerpt(err), mw_error_http_headers_json(err)};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        if (texts[i] && strstr(texts[i], secret)) return 1;
    return 0;
}

static int on_event(const mw_stream_event *event, void *user_data) {
    (void)event;
    (*(int *)user_data)++;
    return 0;
}

/* A streamed turn in a new conversation; checks it completes with at least 3 events. */
static void streamed_turn(const mw_client *c) {
    mw_conversation *conv = NULL;
    mw_error *err = NULL;
    char *id = NULL;
    CHECK_STATUS(mw_client_create_conversation(c, NULL, &conv, &err), MW_OK, err);
    mw_error_free(err);
    err = NULL;
    if (!conv) return;
    mw_conversation_id(conv, &id);
    mw_stream_options o;
    mw_stream_options_init(&o);
    o.wait.initial_interval_ms = 10;
    int events = 0;
    mw_response *r = NULL;
    CHECK_STATUS(mw_client_stream_response_and_wait(c, id, "How do I reset my password?", &o, on_event, &events, &r, &err),
                 MW_OK, err);
    CHECK(events >= 3);
    mw_response_status status = MW_RESPONSE_STATUS_UNKNOWN;
    if (r) mw_response_get_status(r, &status);
    CHECK(status == MW_RESPONSE_STATUS_COMPLETED);
    /* The final response carries the stream answer's headers. */
    char *ct = NULL;
    CHECK_STATUS(mw_response_http_header(r, "content-type", &ct), MW_OK, NULL);
    CHECK(ct && strstr(ct, "text/event-stream"));
    mw_string_free(ct);
    mw_response_free(r);
    mw_error_free(err);
    mw_string_free(id);
    mw_conversation_free(conv);
}

static void test_https_with_the_sandbox_ca(void) {
    char *pem = NULL, *url = NULL;
    CHECK_STATUS(mw_sandbox_ca_certificate(g_sb, &pem), MW_OK, NULL);
    CHECK(pem && strncmp(pem, "-----BEGIN CERTIFICATE-----", 27) == 0);
    CHECK_STATUS(mw_sandbox_base_url(g_sb, &url), MW_OK, NULL);
    CHECK(url && strncmp(url, "https://127.0.0.1:", 18) == 0);

    /* The sandbox's own client trusts its CA; so does one built by hand with ca_certificates. */
    mw_client *c = client_with(NULL);
    mw_error *err = NULL;
    CHECK_STATUS(create(c, "over TLS", &err), MW_OK, err);
    mw_error_free(err);
    mw_client_free(c);

    char *name = NULL, *token = NULL;
    mw_sandbox_assistant_name(g_sb, &name);
    mw_sandbox_token(g_sb, &token);
    const char *roots[] = {NULL, "webpki", "platform"};
    for (int trusted = 1; trusted >= 0; trusted--) {
        for (size_t i = 0; i < 3; i++) {
            mw_client_builder *b = NULL;
            mw_client_builder_new(&b);
            mw_client_builder_base_url(b, url);
            mw_client_builder_assistant_name(b, name);
            mw_client_builder_bearer_token(b, token);
            mw_client_builder_max_retries(b, 0);
            CHECK_STATUS(mw_client_builder_set(b, "proxy_from_env", "false", &err), MW_OK, err);
            if (roots[i]) CHECK_STATUS(mw_client_builder_set(b, "tls_roots", roots[i], &err), MW_OK, err);
            if (trusted) CHECK_STATUS(mw_client_builder_set(b, "ca_certificates", pem, &err), MW_OK, err);
            CHECK_STATUS(mw_client_builder_build(b, &c, &err), MW_OK, err);
            mw_status st = create(c, NULL, &err);
            if (trusted) {
                CHECK_STATUS(st, MW_OK, err);
            } else {
                /* Without the CA: the clear unknown-issuer error, saying what to do. */
                CHECK_STATUS(st, MW_CONNECTION, err);
                const char *m = err ? mw_error_message(err) : "";
                CHECK(strncmp(m, "TLS error:", 10) == 0);
                CHECK(strstr(m, "unknown issuer") && strstr(m, "ca_certificates"));
                if (!strstr(m, "unknown issuer")) fprintf(stderr, "  message: %s\n", m);
                CHECK(mw_error_http_headers_json(err) == NULL); /* no answer arrived */
            }
            mw_error_free(err);
            err = NULL;
            mw_client_free(c);
            mw_client_builder_free(b);
        }
    }
    /* A bad value is refused naming the option. */
    mw_client_builder *b = NULL;
    mw_client_builder_new(&b);
    mw_client_builder_base_url(b, url);
    mw_client_builder_assistant_name(b, name);
    mw_client_builder_bearer_token(b, token);
    CHECK_STATUS(mw_client_builder_set(b, "tls_roots", "everything", &err), MW_OK, err);
    c = NULL;
    CHECK_STATUS(mw_client_builder_build(b, &c, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "tls_roots");
    CHECK(c == NULL);
    mw_error_free(err);
    mw_client_builder_free(b);

    /* A plain-HTTP sandbox has no CA. */
    mw_sandbox *plain = NULL;
    char *none = (char *)"unset";
    CHECK_STATUS(mw_sandbox_start(NULL, &plain, NULL), MW_OK, NULL);
    CHECK_STATUS(mw_sandbox_ca_certificate(plain, &none), MW_OK, NULL);
    CHECK(none == NULL);
    CHECK_STATUS(mw_sandbox_ca_certificate(NULL, &none), MW_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(mw_sandbox_ca_certificate(plain, NULL), MW_INVALID_ARGUMENT, NULL);
    mw_sandbox_stop(plain);
    mw_string_free(name);
    mw_string_free(token);
    mw_string_free(pem);
    mw_string_free(url);
}

static void test_forward_proxy(void) {
    const char *proxy = proxy_var("MOVEWORKS_TEST_FORWARD_PROXY");
    const char *log = proxy_var("MOVEWORKS_TEST_FORWARD_PROXY_LOG");
    if (!proxy || !log) return;
    int before = connects_seen(log);
    char *opts = json_pair("proxy", proxy);
    mw_client *c = client_with(opts);
    mw_error *err = NULL;
    CHECK_STATUS(create(c, "via tinyproxy", &err), MW_OK, err);
    mw_error_free(err);
    streamed_turn(c);
    CHECK(connects_seen(log) >= before + 1);
    mw_client_free(c);
    free(opts);

    /* Wrong credentials: a connection error that never repeats them. */
    char wrong[512];
    const char *at = strstr(proxy, PROXY_PASSWORD);
    CHECK(at != NULL);
    if (!at) return;
    snprintf(wrong, sizeof wrong, "%.*snot-the-password-91%s", (int)(at - proxy), proxy,
             at + strlen(PROXY_PASSWORD));
    opts = json_pair("proxy", wrong);
    c = client_with(opts);
    err = NULL;
    CHECK_STATUS(create(c, NULL, &err), MW_CONNECTION, err);
    CHECK(err && !error_shows(err, "not-the-password-91") && !error_shows(err, "sdk-test:"));
    mw_error_free(err);
    mw_client_free(c);
    free(opts);
}

static void test_inspecting_proxy(void) {
    const char *proxy = proxy_var("MOVEWORKS_TEST_INSPECTING_PROXY");
    const char *ca = proxy_var("MOVEWORKS_TEST_INSPECTING_PROXY_CA");
    if (!proxy || !ca) return;
    /* Trusting only the sandbox's CA: mitmproxy's certificate is from an unknown issuer. */
    char *opts = json_pair("proxy", proxy);
    mw_client *c = client_with(opts);
    mw_error *err = NULL;
    CHECK_STATUS(create(c, NULL, &err), MW_CONNECTION, err);
    CHECK(err && strstr(mw_error_message(err), "unknown issuer"));
    mw_error_free(err);
    mw_client_free(c);
    free(opts);

    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "proxy", proxy);
    cJSON_AddStringToObject(o, "ca_certificates", ca);
    opts = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    c = client_with(opts);
    err = NULL;
    CHECK_STATUS(create(c, "inspected", &err), MW_OK, err);
    mw_error_free(err);
    streamed_turn(c);
    mw_client_free(c);
    free(opts);
}

/* The last entry of the sandbox's request log for POST .../conversations. */
static cJSON *last_request(const char *method, const char *path) {
    char args[256], *out = NULL;
    snprintf(args, sizeof args, "{\"method\": \"%s\", \"path_contains\": \"%s\"}", method, path);
    mw_error *err = NULL;
    CHECK_STATUS(mw_sandbox_run(g_sb, "requests", args, &out, &err), MW_OK, err);
    mw_error_free(err);
    cJSON *all = out ? cJSON_Parse(out) : NULL;
    mw_string_free(out);
    int n = cJSON_GetArraySize(all);
    cJSON *last = n ? cJSON_DetachItemFromArray(all, n - 1) : NULL;
    cJSON_Delete(all);
    return last;
}

static void test_extras_on_the_wire_and_owned_headers_refused(void) {
    mw_client *c = client_with(NULL), *extended = NULL;
    mw_error *err = NULL;
    CHECK_STATUS(mw_client_with_request_options_json(
                     c,
                     "{\"extra_headers\": {\"X-Feature-Flag\": \"beta\"}, \"extra_query\": {\"trace\": true},"
                     " \"extra_body\": {\"client_context\": {\"app\": \"helpdesk\"}}, \"timeout_ms\": 5000}",
                     &extended, &err),
                 MW_OK, err);
    mw_error_free(err);
    err = NULL;
    mw_conversation *conv = NULL;
    CHECK_STATUS(mw_client_create_conversation(extended, "extras", &conv, &err), MW_OK, err);
    cJSON *last = last_request("POST", "/conversations");
    cJSON *x = cJSON_GetObjectItemCaseSensitive(last, "x_headers");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "x-feature-flag")), "beta");
    CHECK(cJSON_GetArraySize(x) == 1);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(last, "query")), "trace=true");
    cJSON *keys = cJSON_GetObjectItemCaseSensitive(last, "body_keys");
    CHECK(cJSON_GetArraySize(keys) == 2);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(keys, 0)), "client_context");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(keys, 1)), "title");
    cJSON_Delete(last);

    /* A GET sends no body: extra_body is refused at the call. */
    char *id = NULL;
    if (conv) mw_conversation_id(conv, &id);
    mw_conversation *got = NULL;
    CHECK_STATUS(mw_client_get_conversation(extended, id, &got, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "extra_body");
    mw_error_free(err);
    err = NULL;
    mw_client_free(extended);

    /* Headers only: a GET carries them too. */
    extended = NULL;
    CHECK_STATUS(mw_client_with_request_options_json(c, "{\"extra_headers\": {\"x-tenant\": \"acme\"}}", &extended, &err),
                 MW_OK, err);
    CHECK_STATUS(mw_client_get_conversation(extended, id, &got, &err), MW_OK, err);
    last = last_request("GET", "/conversations/");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(last, "x_headers"),
                                                                    "x-tenant")),
              "acme");
    cJSON_Delete(last);
    mw_conversation_free(got);
    mw_client_free(extended);
    mw_error_free(err);

    /* Headers the SDK owns are refused, naming extra_headers; nothing is written. */
    const char *owned[] = {"Authorization", "assistant-name", "User-Agent", "Content-Type", "Proxy-Authorization"};
    for (size_t i = 0; i < sizeof owned / sizeof *owned; i++) {
        char json[128];
        snprintf(json, sizeof json, "{\"extra_headers\": {\"%s\": \"x\"}}", owned[i]);
        extended = NULL;
        err = NULL;
        CHECK_STATUS(mw_client_with_request_options_json(c, json, &extended, &err), MW_INVALID_ARGUMENT, err);
        CHECK_STR(mw_error_argument(err), "extra_headers");
        CHECK(extended == NULL);
        mw_error_free(err);
    }
    struct {
        const char *json;
        mw_status status;
        const char *argument;
    } bad[] = {{"{\"extra_header\": {}}", MW_INVALID_ARGUMENT, "extra_header"},
               {"{\"extra_headers\": {\"x-a\": [1]}}", MW_INVALID_ARGUMENT, "extra_headers"},
               {"{\"max_retries\": -1}", MW_INVALID_ARGUMENT, "max_retries"},
               {"[]", MW_INVALID_ARGUMENT, "options"},
               {"{not json", MW_DECODE, NULL}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        extended = NULL;
        err = NULL;
        CHECK_STATUS(mw_client_with_request_options_json(c, bad[i].json, &extended, &err), bad[i].status, err);
        if (bad[i].argument) CHECK_STR(mw_error_argument(err), bad[i].argument);
        CHECK(extended == NULL);
        mw_error_free(err);
    }
    CHECK_STATUS(mw_client_with_request_options_json(c, NULL, &extended, NULL), MW_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(mw_client_with_request_options_json(NULL, "{}", &extended, NULL), MW_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(mw_client_with_request_options_json(c, "{}", NULL, NULL), MW_INVALID_ARGUMENT, NULL);
    mw_string_free(id);
    mw_conversation_free(conv);
    mw_client_free(c);
}

static void test_http_headers_on_objects_and_errors(void) {
    mw_client *c = client_with(NULL);
    mw_error *err = NULL;
    mw_conversation *conv = NULL;
    CHECK_STATUS(mw_client_create_conversation(c, NULL, &conv, &err), MW_OK, err);
    char *ct = NULL, *root = NULL, *rid = NULL, *json = NULL, *id = NULL;
    CHECK_STATUS(mw_conversation_http_header(conv, "Content-Type", &ct), MW_OK, NULL);
    CHECK_STR(ct, "application/json");
    CHECK_STATUS(mw_conversation_http_header(conv, "x-moveworks-root-uuid", &root), MW_OK, NULL);
    mw_conversation_request_id(conv, &rid);
    CHECK(root && rid && strcmp(root, rid) == 0);
    CHECK_STATUS(mw_conversation_http_headers_json(conv, &json), MW_OK, NULL);
    cJSON *j = json ? cJSON_Parse(json) : NULL;
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "x-moveworks-root-uuid")), rid);
    cJSON_Delete(j);
    char *absent = (char *)"unset";
    CHECK_STATUS(mw_conversation_http_header(conv, "x-not-sent", &absent), MW_OK, NULL);
    CHECK(absent == NULL);
    CHECK_STATUS(mw_conversation_http_header(conv, NULL, &absent), MW_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(mw_conversation_http_headers_json(NULL, &absent), MW_INVALID_ARGUMENT, NULL);
    mw_conversation_id(conv, &id);
    mw_string_free(ct);
    mw_string_free(root);
    mw_string_free(rid);
    mw_string_free(json);

    /* Every other traced object: pages, a response, a feedback result. */
    mw_conversation_page *cp = NULL;
    CHECK_STATUS(mw_client_list_conversations(c, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &cp, &err), MW_OK, err);
    char *h = NULL;
    CHECK_STATUS(mw_conversation_page_http_header(cp, "content-type", &h), MW_OK, NULL);
    CHECK_STR(h, "application/json");
    mw_string_free(h);
    h = NULL;
    CHECK_STATUS(mw_conversation_page_http_headers_json(cp, &h), MW_OK, NULL);
    CHECK(h && strstr(h, "\"x-moveworks-root-uuid\""));
    mw_string_free(h);
    /* A page's items carry none of their own. */
    if (cp) {
        const mw_conversation *item = NULL;
        size_t n = 0;
        mw_conversation_page_count(cp, &n);
        if (n) {
            mw_conversation_page_get(cp, 0, &item);
            h = (char *)"unset";
            CHECK_STATUS(mw_conversation_http_headers_json(item, &h), MW_OK, NULL);
            CHECK(h == NULL);
        }
    }
    mw_conversation_page_free(cp);

    mw_response *r = NULL;
    mw_wait_options w;
    mw_wait_options_init(&w);
    w.initial_interval_ms = 10;
    CHECK_STATUS(mw_client_create_response_and_wait(c, id, "hello", &w, &r, &err), MW_OK, err);
    h = NULL;
    CHECK_STATUS(mw_response_http_headers_json(r, &h), MW_OK, NULL);
    CHECK(h && strstr(h, "\"content-type\":\"application/json\""));
    mw_string_free(h);
    mw_response_free(r);

    mw_event_page *ep = NULL;
    CHECK_STATUS(mw_client_list_events(c, id, NULL, NULL, NULL, MW_LIMIT_DEFAULT, &ep, &err), MW_OK, err);
    h = NULL;
    CHECK_STATUS(mw_event_page_http_header(ep, "CONTENT-TYPE", &h), MW_OK, NULL);
    CHECK_STR(h, "application/json");
    mw_string_free(h);
    h = NULL;
    CHECK_STATUS(mw_event_page_http_headers_json(ep, &h), MW_OK, NULL);
    CHECK(h != NULL);
    mw_string_free(h);
    mw_event_page_free(ep);

    mw_message_page *mp = NULL;
    CHECK_STATUS(mw_client_list_messages(c, id, NULL, MW_LIMIT_DEFAULT, &mp, &err), MW_OK, err);
    h = NULL;
    CHECK_STATUS(mw_message_page_http_header(mp, "content-type", &h), MW_OK, NULL);
    CHECK_STR(h, "application/json");
    mw_string_free(h);
    h = NULL;
    CHECK_STATUS(mw_message_page_http_headers_json(mp, &h), MW_OK, NULL);
    CHECK(h != NULL);
    mw_string_free(h);
    mw_message_page_free(mp);

    /* Parsed from JSON: no answer, no headers. */
    mw_feedback_result *fr = NULL;
    CHECK_STATUS(mw_feedback_result_from_json("{\"status\": \"SUBMITTED\"}", &fr, &err), MW_OK, err);
    h = (char *)"unset";
    CHECK_STATUS(mw_feedback_result_http_header(fr, "content-type", &h), MW_OK, NULL);
    CHECK(h == NULL);
    h = (char *)"unset";
    CHECK_STATUS(mw_feedback_result_http_headers_json(fr, &h), MW_OK, NULL);
    CHECK(h == NULL);
    mw_feedback_result_free(fr);

    /* An error carries the failing answer's headers, next to its request id. */
    mw_conversation *missing = NULL;
    CHECK_STATUS(mw_client_get_conversation(c, "conv_does_not_exist", &missing, &err), MW_NOT_FOUND, err);
    CHECK(mw_error_request_id(err) != NULL);
    CHECK_STR(mw_error_http_header(err, "X-Moveworks-Root-Uuid"), mw_error_request_id(err));
    CHECK_STR(mw_error_http_header(err, "content-type"), "application/json");
    CHECK(mw_error_http_header(err, "x-not-sent") == NULL);
    CHECK(mw_error_http_header(err, NULL) == NULL);
    CHECK(mw_error_http_header(NULL, "content-type") == NULL);
    const char *all = mw_error_http_headers_json(err);
    j = all ? cJSON_Parse(all) : NULL;
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "x-moveworks-root-uuid")), mw_error_request_id(err));
    cJSON_Delete(j);
    CHECK(mw_error_http_headers_json(NULL) == NULL);
    mw_error_free(err);
    mw_string_free(id);
    mw_conversation_free(conv);
    mw_client_free(c);
}

/* ---- logs ---------------------------------------------------------------------------------- */

typedef struct rec {
    mw_log_level level;
    char *method, *path, *retry, *request_id;
    int32_t status;
    uint32_t attempt;
    int64_t duration_ms;
} rec;

static pthread_mutex_t g_log_lock = PTHREAD_MUTEX_INITIALIZER;
static rec g_recs[1024];
static int g_nrecs;
static char *g_all;      /* every string of every record, for the secret checks */
static size_t g_all_len;
static int g_foreign_user_data;

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static void append_all(const char *s) {
    if (!s) return;
    size_t n = strlen(s);
    g_all = realloc(g_all, g_all_len + n + 2);
    memcpy(g_all + g_all_len, s, n);
    g_all_len += n;
    g_all[g_all_len++] = '\n';
    g_all[g_all_len] = '\0';
}

static void collect(const mw_log_record *r, void *user_data) {
    pthread_mutex_lock(&g_log_lock);
    if (user_data != (void *)&g_nrecs) g_foreign_user_data++;
    const char *strings[] = {r->message, r->method, r->path, r->request_id, r->error_kind, r->retry};
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) append_all(strings[i]);
    if (g_nrecs < 1024) {
        rec *x = &g_recs[g_nrecs++];
        x->level = r->level;
        x->method = dup_or_null(r->method);
        x->path = dup_or_null(r->path);
        x->retry = dup_or_null(r->retry);
        x->request_id = dup_or_null(r->request_id);
        x->status = r->http_status;
        x->attempt = r->attempt;
        x->duration_ms = r->duration_ms;
    }
    pthread_mutex_unlock(&g_log_lock);
}

static void clear_records(void) {
    for (int i = 0; i < g_nrecs; i++) {
        free(g_recs[i].method);
        free(g_recs[i].path);
        free(g_recs[i].retry);
        free(g_recs[i].request_id);
    }
    g_nrecs = 0;
    free(g_all);
    g_all = NULL;
    g_all_len = 0;
}

static void test_log_callback(void) {
    const char *proxy = getenv("MOVEWORKS_TEST_FORWARD_PROXY");
    /* Its own sandbox: OAuth (a client secret and a fetched token to keep out of the logs). */
    mw_sandbox *main_sb = g_sb;
    mw_error *err = NULL;
    CHECK_STATUS(mw_sandbox_start("{\"tls\": true, \"oauth\": true}", &g_sb, &err), MW_OK, err);
    mw_error_free(err);
    err = NULL;
    CHECK_STATUS(mw_set_log_callback(collect, &g_nrecs), MW_OK, NULL);
    CHECK_STATUS(mw_set_log_level(MW_LOG_TRACE), MW_OK, NULL);
    CHECK(mw_get_log_level() == MW_LOG_TRACE);
    /* An OAuth client (a client secret and a fetched token), through the forward proxy
       (its password in the URL) when it runs: none of them may be logged. */
    char *opts = proxy ? json_pair("proxy", proxy) : NULL;
    mw_client *c = client_with(opts);
    free(opts);
    char *answer = NULL;
    CHECK_STATUS(mw_sandbox_run(g_sb, "fault", "{\"kind\": \"status\", \"status\": 503, \"method\": \"GET\", \"count\": 1}",
                                &answer, &err),
                 MW_OK, err);
    mw_string_free(answer);
    mw_conversation *conv = NULL, *got = NULL;
    char *id = NULL;
    CHECK_STATUS(mw_client_create_conversation(c, "logged", &conv, &err), MW_OK, err);
    if (conv) mw_conversation_id(conv, &id);
    CHECK_STATUS(mw_client_get_conversation(c, id, &got, &err), MW_OK, err);

    pthread_mutex_lock(&g_log_lock);
    const rec *gets[8];
    int ngets = 0, info_retry = 0, trace_body = 0, token_fetch = 0;
    for (int i = 0; i < g_nrecs; i++) {
        const rec *x = &g_recs[i];
        if (x->level == MW_LOG_DEBUG && x->method && strcmp(x->method, "GET") == 0 && ngets < 8) gets[ngets++] = x;
        if (x->level == MW_LOG_INFO && x->retry) info_retry = 1;
        if (x->path && strstr(x->path, "token")) token_fetch = 1;
    }
    trace_body = g_all && strstr(g_all, "logged") != NULL;
    CHECK(ngets == 2);
    if (ngets == 2) {
        CHECK(gets[0]->status == 503 && gets[0]->attempt == 1);
        CHECK(gets[0]->retry && strncmp(gets[0]->retry, "retry in", 8) == 0);
        CHECK(gets[1]->status == 200 && gets[1]->attempt == 2 && gets[1]->retry == NULL);
        CHECK(gets[1]->request_id != NULL && gets[1]->duration_ms >= 0);
        CHECK(gets[0]->path && strstr(gets[0]->path, "/conversations/"));
    } else {
        fprintf(stderr, "  %d GET attempt records; all records:\n%s\n", ngets, g_all ? g_all : "");
    }
    CHECK(info_retry);
    CHECK(trace_body);
    CHECK(token_fetch);
    CHECK(g_foreign_user_data == 0);
    char *secret = NULL, *token = NULL;
    mw_sandbox_client_secret(g_sb, &secret);
    mw_sandbox_token(g_sb, &token);
    const char *never[] = {secret, token, PROXY_PASSWORD, "access_token\":\"", "Bearer", "sdk-test:"};
    for (size_t i = 0; i < sizeof never / sizeof *never; i++) {
        int shown = g_all && never[i] && strstr(g_all, never[i]) != NULL;
        CHECK(!shown);
        if (shown) fprintf(stderr, "  %s appears in the logs\n", never[i]);
    }
    mw_string_free(secret);
    mw_string_free(token);
    clear_records();
    pthread_mutex_unlock(&g_log_lock);

    /* Off: nothing. Warn (the default): a successful call logs nothing. */
    CHECK_STATUS(mw_set_log_level(MW_LOG_OFF), MW_OK, NULL);
    CHECK(mw_get_log_level() == MW_LOG_OFF);
    mw_conversation_free(got);
    got = NULL;
    CHECK_STATUS(mw_client_get_conversation(c, id, &got, &err), MW_OK, err);
    CHECK(g_nrecs == 0);
    CHECK_STATUS(mw_set_log_level(MW_LOG_WARN), MW_OK, NULL);
    /* Levels that are not an mw_log_level are refused; the level is unchanged. */
    CHECK_STATUS(mw_set_log_level(6), MW_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(mw_set_log_level(-1), MW_INVALID_ARGUMENT, NULL);
    CHECK(mw_get_log_level() == MW_LOG_WARN);

    /* Removed with NULL: debug records go nowhere. */
    CHECK_STATUS(mw_set_log_level(MW_LOG_DEBUG), MW_OK, NULL);
    CHECK_STATUS(mw_set_log_callback(NULL, NULL), MW_OK, NULL);
    mw_conversation_free(got);
    got = NULL;
    CHECK_STATUS(mw_client_get_conversation(c, id, &got, &err), MW_OK, err);
    CHECK(g_nrecs == 0);
    CHECK_STATUS(mw_set_log_level(MW_LOG_WARN), MW_OK, NULL);
    mw_error_free(err);
    mw_string_free(id);
    mw_conversation_free(got);
    mw_conversation_free(conv);
    mw_client_free(c);
    mw_sandbox_stop(g_sb);
    g_sb = main_sb;
}

int main(void) {
    mw_error *err = NULL;
    CHECK_STATUS(mw_sandbox_start("{\"tls\": true, \"response_duration_ms\": 60}", &g_sb, &err), MW_OK,
                 err);
    mw_error_free(err);
    if (!g_sb) return report("network");
    char *url = NULL;
    mw_sandbox_base_url(g_sb, &url);
    const char *p = strchr(url + strlen("https://"), ':') + 1;
    g_port = strndup(p, strcspn(p, "/"));
    mw_string_free(url);

    test_https_with_the_sandbox_ca();
    test_forward_proxy();
    test_inspecting_proxy();
    test_extras_on_the_wire_and_owned_headers_refused();
    test_http_headers_on_objects_and_errors();
    test_log_callback();

    free(g_port);
    mw_sandbox_stop(g_sb);
    return report("network");
}
