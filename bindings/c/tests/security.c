/*
 * Security promises of SECURITY.md through the C ABI, against the simulator:
 * no error field ever carries the token or the client secret, control characters
 * in header-bound values are refused before sending, ids cannot leave their path
 * segment, plain http to a non-loopback host needs mw_client_builder_allow_insecure_http,
 * and a redirect to another origin is never followed.
 */
#include <sys/select.h>

#include "harness.h"

/* Distinctive values, so a leak shows up in a plain substring search. */
static const char ISSUED_TOKEN[] = "c-1ssu3d-T0KEN-must-never-print-5a7c";
static const char WRONG_SECRET[] = "c-wr0ng-S3CRET-must-never-print-0d3e";

static void sim_fault(const char *json) { sim_post("/_sim/faults", json); }
static void sim_clear_log(void) { sim_http("DELETE", "/_sim/requests", NULL, NULL); }

/* Requests whose path starts with /rest/ (API calls, not the token endpoint). */
static int api_requests(void) { return sim_count_requests(NULL, "/rest/"); }

static int contains(const char *haystack, const char *needle) {
    return haystack && needle && needle[0] && strstr(haystack, needle) != NULL;
}

/* Every string field of the error must be free of every secret. */
static void check_error_clean(const mw_error *err, const char *const *secrets) {
    CHECK(err != NULL);
    if (!err) return;
    const char *fields[] = {mw_error_message(err),     mw_error_kind_name(err),   mw_error_code(err),
                            mw_error_request_id(err),  mw_error_argument(err),    mw_error_response_id(err),
                            mw_error_last_status(err), mw_error_body_excerpt(err)};
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        for (const char *const *s = secrets; *s; s++) {
            if (contains(fields[f], *s)) {
                g_failed++;
                fprintf(stderr, "FAIL %s:%d: secret %s leaked in error field %zu: %s\n", __FILE__, __LINE__, *s, f,
                        fields[f]);
            } else {
                g_passed++;
            }
        }
        CHECK(!contains(fields[f], "Bearer "));
    }
}

static mw_client_builder *builder_static(const char *token) {
    mw_client_builder *b = NULL;
    mw_client_builder_new(&b);
    mw_client_builder_base_url(b, g_sim.base_url);
    mw_client_builder_assistant_name(b, g_sim.assistant_name);
    mw_client_builder_bearer_token(b, token);
    mw_client_builder_max_retries(b, 0);
    return b;
}

static mw_client_builder *builder_oauth(const char *secret) {
    mw_client_builder *b = NULL;
    mw_client_builder_new(&b);
    mw_client_builder_base_url(b, g_sim.base_url);
    mw_client_builder_assistant_name(b, g_sim.assistant_name);
    mw_client_builder_client_credentials(b, g_sim.client_id, secret);
    mw_client_builder_max_retries(b, 0);
    return b;
}

static mw_client *build_ok(mw_client_builder *b) {
    mw_client *c = NULL;
    mw_error *err = NULL;
    CHECK_STATUS(mw_client_builder_build(b, &c, &err), MW_OK, err);
    mw_error_free(err);
    mw_client_builder_free(b);
    return c;
}

static void test_errors_never_carry_secrets(void) {
    const char *secrets[] = {g_sim.token, g_sim.client_secret, ISSUED_TOKEN, WRONG_SECRET, NULL};
    mw_error *err = NULL;
    mw_conversation_page *page = NULL;
    mw_conversation *conv = NULL;

    /* OAuth: the token endpoint first issues a distinctive token the API rejects; the
     * client refreshes and succeeds with a simulator-issued one. */
    mw_client *oauth = build_ok(builder_oauth(g_sim.client_secret));
    char fault[512];
    snprintf(fault, sizeof fault,
             "{\"kind\":\"raw\",\"status\":200,\"path_contains\":\"/oauth\",\"body\":"
             "\"{\\\"access_token\\\":\\\"%s\\\",\\\"expires_in\\\":3600}\"}",
             ISSUED_TOKEN);
    sim_fault(fault);
    CHECK_STATUS(mw_client_list_conversations(oauth, NULL, -1, -1, &page, &err), MW_OK, err);
    mw_conversation_page_free(page);
    page = NULL;
    mw_error_free(err);
    err = NULL;

    /* API status, transport, decode and OAuth errors. */
    sim_fault("{\"kind\":\"status\",\"status\":500,\"method\":\"GET\"}");
    CHECK(mw_client_list_conversations(oauth, NULL, -1, -1, &page, &err) == MW_INTERNAL_SERVER);
    check_error_clean(err, secrets);
    mw_error_free(err);
    err = NULL;
    sim_post("/_sim/tokens/revoke", "{}");
    sim_fault("{\"kind\":\"status\",\"status\":401,\"path_contains\":\"/oauth\"}");
    CHECK(mw_client_list_conversations(oauth, NULL, -1, -1, &page, &err) == MW_OAUTH);
    check_error_clean(err, secrets);
    mw_error_free(err);
    err = NULL;
    mw_client_free(oauth);

    mw_client *wrong = build_ok(builder_oauth(WRONG_SECRET));
    CHECK(mw_client_create_conversation(wrong, "t", &conv, &err) == MW_OAUTH);
    check_error_clean(err, secrets);
    mw_error_free(err);
    err = NULL;
    mw_client_free(wrong);

    mw_client *bad = build_ok(builder_static(WRONG_SECRET));
    CHECK(mw_client_get_conversation(bad, "conv_1", &conv, &err) == MW_AUTHENTICATION);
    check_error_clean(err, secrets);
    mw_error_free(err);
    err = NULL;
    mw_client_free(bad);

    mw_client *c = build_ok(builder_static(g_sim.token));
    sim_fault("{\"kind\":\"reset\"}");
    CHECK(mw_client_create_conversation(c, "t", &conv, &err) == MW_CONNECTION);
    check_error_clean(err, secrets);
    mw_error_free(err);
    err = NULL;
    sim_fault("{\"kind\":\"malformed_json\"}");
    CHECK(mw_client_list_conversations(c, NULL, -1, -1, &page, &err) == MW_DECODE);
    check_error_clean(err, secrets);
    mw_error_free(err);
    err = NULL;
    mw_client_free(c);
}

static void test_control_characters_are_refused_before_sending(void) {
    static const char *const bad_values[] = {"a\r\nX-Injected: 1", "a\nb", "a\rb", "a\tb", "a\x7f" "b", "a\x1b" "b"};
    sim_clear_log();
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        const char *bad = bad_values[i];
        const char *secrets[] = {bad, NULL};
        const char *arguments[] = {"token", "assistant_name", "client_id", "client_secret"};
        for (int which = 0; which < 4; which++) {
            mw_client_builder *b = which < 2 ? builder_static(which == 0 ? bad : g_sim.token)
                                             : builder_oauth(which == 3 ? bad : g_sim.client_secret);
            if (which == 1) mw_client_builder_assistant_name(b, bad);
            if (which == 2) mw_client_builder_client_credentials(b, bad, g_sim.client_secret);
            mw_client *c = NULL;
            mw_error *err = NULL;
            CHECK_STATUS(mw_client_builder_build(b, &c, &err), MW_INVALID_ARGUMENT, err);
            if (err) CHECK_STR(mw_error_argument(err), arguments[which]);
            check_error_clean(err, secrets);
            mw_error_free(err);
            mw_client_free(c);
            mw_client_builder_free(b);
        }
    }
    CHECK(sim_count_requests(NULL, NULL) == 0);

    /* A token with CR/LF coming from the token endpoint is never sent either. */
    mw_client *oauth = build_ok(builder_oauth(g_sim.client_secret));
    sim_fault("{\"kind\":\"raw\",\"status\":200,\"path_contains\":\"/oauth\",\"body\":"
              "\"{\\\"access_token\\\":\\\"abc\\\\r\\\\nX-Injected: 1\\\",\\\"expires_in\\\":3600}\"}");
    mw_conversation_page *page = NULL;
    mw_error *err = NULL;
    CHECK(mw_client_list_conversations(oauth, NULL, -1, -1, &page, &err) != MW_OK);
    CHECK(err && !contains(mw_error_message(err), "X-Injected"));
    CHECK(api_requests() == 0);
    mw_error_free(err);
    mw_client_free(oauth);
}

/* The logged path of the only API request, or NULL (caller frees). */
static char *only_api_path(void) {
    char *body = NULL;
    if (sim_http("GET", "/_sim/requests", NULL, &body) != 200) return NULL;
    cJSON *log = cJSON_Parse(body);
    free(body);
    char *path = NULL;
    int n = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, log) {
        cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "path");
        cJSON *q = cJSON_GetObjectItemCaseSensitive(e, "query");
        if (!cJSON_IsString(p) || strncmp(p->valuestring, "/rest/", 6) != 0) continue;
        n++;
        free(path);
        /* A non-empty query would mean the id leaked out of the path. */
        path = (cJSON_IsString(q) && q->valuestring[0] == 0) ? strdup(p->valuestring) : strdup("(query)");
    }
    cJSON_Delete(log);
    if (n != 1) {
        free(path);
        return NULL;
    }
    return path;
}

static int hexval(char c) { return c >= '0' && c <= '9' ? c - '0' : (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 'a' + 10 : -1; }

/* Percent-decodes s into out; returns 0 when s contains a '/' (more than one segment). */
static int decode_segment(const char *s, char *out) {
    for (; *s; s++) {
        if (*s == '/') return 0;
        if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
            *out++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
            s += 2;
        } else {
            *out++ = *s;
        }
    }
    *out = 0;
    return 1;
}

static void test_ids_stay_in_their_segment(void) {
    static const char *const ids[] = {"../x", "..", ".",   "a/b", "%2F",  "a%2Fb", "?x",         "#x",
                                      "a b",  "a\\b", "a\nb", "/",   "",     "\xc3\xa9", "a;b", "conv_ok"};
    mw_client *c = build_ok(builder_static(g_sim.token));
    mw_conversation *conv = NULL;
    mw_response *resp = NULL;
    mw_error *err = NULL;
    CHECK_STATUS(mw_client_create_conversation(c, "sec", &conv, &err), MW_OK, err);
    char *conv_id = NULL;
    mw_conversation_id(conv, &conv_id);
    CHECK_STATUS(mw_client_create_response(c, conv_id, "hi", &resp, &err), MW_OK, err);
    char *resp_id = NULL;
    mw_response_id(resp, &resp_id);
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const char *id = ids[i];
        /* 0 get conversation, 1 update, 2 create response, 3 get response (conversation id),
         * 4 get response (response id), 5 list events, 6 list messages, 7 submit feedback
         * (message id). */
        for (int endpoint = 0; endpoint < 8; endpoint++) {
            sim_clear_log();
            mw_conversation *out_conv = NULL;
            mw_response *out_resp = NULL;
            mw_event_page *events = NULL;
            mw_message_page *messages = NULL;
            mw_feedback_result *feedback = NULL;
            mw_status st;
            const char *prefix;
            const char *suffix = "";
            switch (endpoint) {
            case 0: st = mw_client_get_conversation(c, id, &out_conv, &err); prefix = "/rest/v1beta1/conversations/"; break;
            case 1: st = mw_client_update_conversation(c, id, "t", -1, &out_conv, &err); prefix = "/rest/v1beta1/conversations/"; break;
            case 2: st = mw_client_create_response(c, id, "hi", &out_resp, &err); prefix = "/rest/v1beta1/conversations/"; suffix = "/responses"; break;
            case 3: st = mw_client_get_response(c, id, resp_id, &out_resp, &err); prefix = "/rest/v1beta1/conversations/"; suffix = "/responses/"; break;
            case 4: st = mw_client_get_response(c, conv_id, id, &out_resp, &err); prefix = "/rest/v1beta1/conversations/"; break;
            case 5: st = mw_client_list_events(c, id, NULL, NULL, NULL, -1, &events, &err); prefix = "/rest/v1beta1/conversations/"; suffix = "/events"; break;
            case 6: st = mw_client_list_messages(c, id, NULL, -1, &messages, &err); prefix = "/rest/v1beta1/conversations/"; suffix = "/messages"; break;
            default: st = mw_client_submit_feedback(c, conv_id, resp_id, id, "cb_1", NULL, &feedback, &err); prefix = "/rest/v1beta1/conversations/"; suffix = "/feedback"; break;
            }
            mw_message_page_free(messages);
            mw_feedback_result_free(feedback);
            mw_conversation_free(out_conv);
            mw_response_free(out_resp);
            mw_event_page_free(events);
            if (st == MW_INVALID_ARGUMENT) {
                if (api_requests() != 0) {
                    g_failed++;
                    fprintf(stderr, "FAIL endpoint %d refused id \"%s\" but sent a request\n", endpoint, id);
                } else {
                    g_passed++;
                }
            } else {
                /* Sent: the path must be prefix + one segment decoding to the id + suffix. */
                char *path = only_api_path();
                char want_prefix[256], segment[256], decoded[256];
                snprintf(want_prefix, sizeof want_prefix, "%s%s", prefix,
                         endpoint == 4 ? conv_id : "");
                if (endpoint == 4) strcat(want_prefix, "/responses/");
                if (endpoint == 7)
                    snprintf(want_prefix, sizeof want_prefix, "%s%s/responses/%s/messages/", prefix, conv_id, resp_id);
                int ok = path && strncmp(path, want_prefix, strlen(want_prefix)) == 0;
                if (ok) {
                    const char *rest = path + strlen(want_prefix);
                    const char *tail = endpoint == 3 ? strstr(rest, "/responses/") : (suffix[0] ? strstr(rest, suffix) : rest + strlen(rest));
                    ok = tail != NULL && (size_t)(tail - rest) < sizeof segment;
                    if (ok) {
                        memcpy(segment, rest, (size_t)(tail - rest));
                        segment[tail - rest] = 0;
                        ok = decode_segment(segment, decoded) && strcmp(decoded, id) == 0;
                        if (endpoint == 3) ok = ok && strcmp(tail + strlen("/responses/"), resp_id) == 0;
                        else ok = ok && strcmp(tail, suffix) == 0;
                    }
                }
                if (ok) {
                    g_passed++;
                } else {
                    g_failed++;
                    fprintf(stderr, "FAIL endpoint %d id \"%s\" produced path %s\n", endpoint, id, path ? path : "(none)");
                }
                free(path);
            }
            mw_error_free(err);
            err = NULL;
        }
    }
    mw_string_free(conv_id);
    mw_string_free(resp_id);
    mw_conversation_free(conv);
    mw_response_free(resp);
    mw_client_free(c);
}

static void test_plain_http_needs_the_opt_in(void) {
    /* 0.0.0.0 is not loopback for the SDK, but Linux connects it to this machine. */
    char base[128];
    snprintf(base, sizeof base, "http://0.0.0.0:%d/rest/v1beta1", g_sim.port);
    sim_clear_log();
    mw_client_builder *b = builder_static(g_sim.token);
    mw_client_builder_base_url(b, base);
    mw_client *c = NULL;
    mw_error *err = NULL;
    CHECK_STATUS(mw_client_builder_build(b, &c, &err), MW_INVALID_ARGUMENT, err);
    if (err) CHECK_STR(mw_error_argument(err), "base_url");
    mw_error_free(err);
    err = NULL;
    CHECK(mw_client_builder_allow_insecure_http(b, false) == MW_OK);
    CHECK(mw_client_builder_build(b, &c, &err) == MW_INVALID_ARGUMENT);
    mw_error_free(err);
    err = NULL;
    CHECK(sim_count_requests(NULL, NULL) == 0);
    CHECK(mw_client_builder_allow_insecure_http(NULL, true) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_allow_insecure_http(b, true) == MW_OK);
    CHECK_STATUS(mw_client_builder_build(b, &c, &err), MW_OK, err);
    mw_client_builder_free(b);
    mw_conversation *conv = NULL;
    CHECK_STATUS(mw_client_create_conversation(c, "over http", &conv, &err), MW_OK, err);
    CHECK(sim_count_requests("POST", "/rest/v1beta1/conversations") == 1);
    mw_conversation_free(conv);
    mw_error_free(err);
    mw_client_free(c);
}

static void test_redirects_to_another_origin_are_not_followed(void) {
    /* The "other origin" is a listener that records whether anything connected. */
    int other = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(other, (struct sockaddr *)&addr, sizeof addr) == 0 && listen(other, 4) == 0);
    socklen_t len = sizeof addr;
    getsockname(other, (struct sockaddr *)&addr, &len);
    int other_port = ntohs(addr.sin_port);

    mw_client *c = build_ok(builder_static(g_sim.token));
    mw_client *oauth = build_ok(builder_oauth(g_sim.client_secret));
    int statuses[] = {302, 307};
    for (int i = 0; i < 2; i++) {
        char fault[256];
        snprintf(fault, sizeof fault,
                 "{\"kind\":\"raw\",\"status\":%d,\"body\":\"\",\"headers\":{\"Location\":"
                 "\"http://127.0.0.1:%d/rest/v1beta1/conversations\"}}",
                 statuses[i], other_port);
        sim_fault(fault);
        mw_conversation *conv = NULL;
        mw_error *err = NULL;
        CHECK(mw_client_create_conversation(c, "t", &conv, &err) == MW_API_STATUS);
        CHECK(err && mw_error_http_status(err) == statuses[i]);
        mw_error_free(err);
    }
    char fault[256];
    snprintf(fault, sizeof fault,
             "{\"kind\":\"raw\",\"status\":307,\"body\":\"\",\"path_contains\":\"/oauth\",\"headers\":{\"Location\":"
             "\"http://127.0.0.1:%d/oauth/v1/token\"}}",
             other_port);
    sim_fault(fault);
    mw_conversation_page *page = NULL;
    mw_error *err = NULL;
    CHECK(mw_client_list_conversations(oauth, NULL, -1, -1, &page, &err) == MW_OAUTH);
    mw_error_free(err);
    /* Nothing ever connected to the other origin: accept() would find a pending connection. */
    struct timeval tv = {0, 0};
    fd_set fds;
    FD_ZERO(&fds);
    FD_SET(other, &fds);
    CHECK(select(other + 1, &fds, NULL, NULL, &tv) == 0);
    close(other);
    mw_client_free(c);
    mw_client_free(oauth);
}

int main(void) {
    sim_load();
    sim_post("/_sim/reset", "{}");
    test_errors_never_carry_secrets();
    test_control_characters_are_refused_before_sending();
    test_ids_stay_in_their_segment();
    test_plain_http_needs_the_opt_in();
    test_redirects_to_another_origin_are_not_followed();
    sim_unload();
    return report("security");
}
