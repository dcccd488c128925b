/*
 * Unit tests of the sandbox (mw_sandbox_*): start options, the accessors, clients
 * for it (token and OAuth, caller options merged over the sandbox's), every
 * scripting action through mw_sandbox_run, errors naming the action, NULL and
 * non-UTF-8 arguments, clients outliving a stopped sandbox, several sandboxes
 * and threads at once. Needs no external simulator; prints (does not assert)
 * the median start-up time of 20 sandboxes.
 */
#include <pthread.h>
#include <time.h>

#include "harness.h"

static const char *QUIET = "{\"response_duration_ms\": 30}";

/* mw_sandbox_run that must succeed; returns the parsed answer (caller frees). */
static cJSON *run_ok(const mw_sandbox *s, const char *action, const char *args) {
    char *out = NULL;
    mw_error *err = NULL;
    CHECK_STATUS(mw_sandbox_run(s, action, args, &out, &err), MW_OK, err);
    mw_error_free(err);
    cJSON *j = out ? cJSON_Parse(out) : NULL;
    CHECK(j != NULL);
    mw_string_free(out);
    return j;
}

/* mw_sandbox_run that must fail with MW_INVALID_ARGUMENT naming `argument`, writing nothing. */
static void run_refused(const mw_sandbox *s, const char *action, const char *args, const char *argument) {
    char *out = NULL;
    mw_error *err = NULL;
    CHECK_STATUS(mw_sandbox_run(s, action, args, &out, &err), MW_INVALID_ARGUMENT, err);
    CHECK(out == NULL);
    CHECK_STR(mw_error_argument(err), argument);
    mw_error_free(err);
}

/* One turn in a new conversation; returns its status. */
static mw_status turn(mw_client *c, const char *text, mw_error **err) {
    mw_conversation *conv = NULL;
    char *id = NULL;
    mw_response *r = NULL;
    mw_status st = mw_client_create_conversation(c, NULL, &conv, err);
    if (st == MW_OK) {
        mw_conversation_id(conv, &id);
        mw_wait_options w;
        mw_wait_options_init(&w);
        w.initial_interval_ms = 10;
        st = mw_client_create_response_and_wait(c, id, text, &w, &r, err);
    }
    mw_response_free(r);
    mw_string_free(id);
    mw_conversation_free(conv);
    return st;
}

static void test_start_and_accessors(void) {
    mw_sandbox *s = NULL;
    mw_error *err = NULL;
    CHECK_STATUS(mw_sandbox_start(NULL, &s, &err), MW_OK, err);
    CHECK(err == NULL);
    char *base = NULL, *origin = NULL, *token_url = NULL, *name = NULL, *token = NULL, *id = NULL, *secret = NULL;
    CHECK_STATUS(mw_sandbox_base_url(s, &base), MW_OK, NULL);
    CHECK_STATUS(mw_sandbox_origin(s, &origin), MW_OK, NULL);
    CHECK_STATUS(mw_sandbox_token_url(s, &token_url), MW_OK, NULL);
    CHECK_STATUS(mw_sandbox_assistant_name(s, &name), MW_OK, NULL);
    CHECK_STATUS(mw_sandbox_token(s, &token), MW_OK, NULL);
    CHECK_STATUS(mw_sandbox_client_id(s, &id), MW_OK, NULL);
    CHECK_STATUS(mw_sandbox_client_secret(s, &secret), MW_OK, NULL);
    CHECK(strncmp(origin, "http://127.0.0.1:", 17) == 0 && atoi(origin + 17) > 0);
    CHECK(strncmp(base, origin, strlen(origin)) == 0 && strcmp(base + strlen(origin), "/rest/v1beta1") == 0);
    CHECK(strncmp(token_url, origin, strlen(origin)) == 0);
    CHECK_STR(name, "sandbox");
    CHECK(strlen(token) > 0 && strlen(id) > 0 && strlen(secret) > 0);

    /* A client built by hand from the accessors reaches it too. */
    mw_client_builder *b = NULL;
    mw_client *c = NULL;
    mw_client_builder_new(&b);
    mw_client_builder_base_url(b, base);
    mw_client_builder_assistant_name(b, name);
    mw_client_builder_bearer_token(b, token);
    CHECK_STATUS(mw_client_builder_build(b, &c, &err), MW_OK, err);
    mw_conversation_page *page = NULL;
    CHECK_STATUS(mw_client_list_conversations(c, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &page, &err), MW_OK, err);
    mw_conversation_page_free(page);
    mw_client_builder_free(b);
    mw_client_free(c);
    /* ... and so do client credentials with its token URL. */
    mw_client_builder_new(&b);
    mw_client_builder_base_url(b, base);
    mw_client_builder_assistant_name(b, name);
    mw_client_builder_client_credentials(b, id, secret);
    mw_client_builder_token_url(b, token_url);
    CHECK_STATUS(mw_client_builder_build(b, &c, &err), MW_OK, err);
    mw_client_builder_free(b);
    CHECK_STATUS(mw_client_list_conversations(c, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &page, &err), MW_OK, err);
    mw_conversation_page_free(page);
    mw_client_free(c);
    mw_string_free(base);
    mw_string_free(origin);
    mw_string_free(token_url);
    mw_string_free(name);
    mw_string_free(token);
    mw_string_free(id);
    mw_string_free(secret);
    mw_sandbox_stop(s);

    /* Options: an assistant name; the empty JSON forms are the defaults. */
    CHECK_STATUS(mw_sandbox_start("{\"assistant_name\": \"acme\", \"response_duration_ms\": 20}", &s, &err), MW_OK, err);
    CHECK_STATUS(mw_sandbox_assistant_name(s, &name), MW_OK, NULL);
    CHECK_STR(name, "acme");
    mw_string_free(name);
    CHECK_STATUS(mw_sandbox_client(s, NULL, &c, &err), MW_OK, err);
    CHECK_STATUS(turn(c, "hi", &err), MW_OK, err);
    mw_client_free(c);
    mw_sandbox_stop(s);
    CHECK_STATUS(mw_sandbox_start("", &s, &err), MW_OK, err);
    mw_sandbox_stop(s);
    CHECK_STATUS(mw_sandbox_start("null", &s, &err), MW_OK, err);
    mw_sandbox_stop(s);
}

static void test_start_refused(void) {
    mw_sandbox *s = NULL;
    mw_error *err = NULL;
    CHECK_STATUS(mw_sandbox_start("{\"oauht\": true}", &s, &err), MW_INVALID_ARGUMENT, err);
    CHECK(s == NULL);
    CHECK(strstr(mw_error_message(err), "oauht") != NULL);
    mw_error_free(err);
    CHECK_STATUS(mw_sandbox_start("{\"response_duration_ms\": \"fast\"}", &s, &err), MW_INVALID_ARGUMENT, err);
    mw_error_free(err);
    CHECK_STATUS(mw_sandbox_start("{", &s, &err), MW_INVALID_ARGUMENT, err);
    mw_error_free(err);
    CHECK_STATUS(mw_sandbox_start("{\"assistant_name\": \"\"}", &s, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "assistant_name");
    mw_error_free(err);
    CHECK_STATUS(mw_sandbox_start("{\"assistant_name\": \"\xff\"}", &s, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "options_json");
    mw_error_free(err);
    CHECK_STATUS(mw_sandbox_start(NULL, NULL, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "out_sandbox");
    mw_error_free(err);
    CHECK(s == NULL);
    /* A NULL out_error is allowed. */
    CHECK_STATUS(mw_sandbox_start("[]", &s, NULL), MW_INVALID_ARGUMENT, NULL);
}

static void test_client_options_merged(void) {
    mw_sandbox *s = NULL;
    mw_client *c = NULL;
    mw_error *err = NULL;
    CHECK_STATUS(mw_sandbox_start(QUIET, &s, &err), MW_OK, err);
    /* max_retries 0 over the sandbox's options: one 429 is the caller's MW_RATE_LIMIT. */
    CHECK_STATUS(mw_sandbox_client(s, "{\"max_retries\": 0, \"user_agent_suffix\": \"acme-helpdesk/2.1\"}", &c, &err),
                 MW_OK, err);
    cJSON *j = run_ok(s, "fault", "{\"kind\": \"status\", \"status\": 429, \"retry_after\": \"7\"}");
    CHECK(cJSON_GetObjectItem(j, "queued")->valueint == 1);
    cJSON_Delete(j);
    mw_conversation *conv = NULL;
    CHECK_STATUS(mw_client_create_conversation(c, NULL, &conv, &err), MW_RATE_LIMIT, err);
    CHECK(mw_error_retry_after_ms(err) == 7000);
    CHECK(mw_error_http_status(err) == 429);
    mw_error_free(err);
    err = NULL;
    j = run_ok(s, "requests", NULL);
    CHECK(cJSON_GetArraySize(j) == 1);
    const char *ua = cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "user_agent")->valuestring;
    CHECK(strstr(ua, "(c; ") != NULL && strstr(ua, " acme-helpdesk/2.1") != NULL);
    cJSON_Delete(j);
    mw_client_free(c);
    c = NULL;

    /* A bad option names its key; not JSON is "options". */
    CHECK_STATUS(mw_sandbox_client(s, "{\"max_retires\": 0}", &c, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "max_retires");
    mw_error_free(err);
    CHECK_STATUS(mw_sandbox_client(s, "{\"timeout_ms\": \"soon\"}", &c, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "timeout_ms");
    mw_error_free(err);
    CHECK_STATUS(mw_sandbox_client(s, "not json", &c, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "options");
    mw_error_free(err);
    /* Client credentials over the sandbox's token: the core's credential rule. */
    CHECK_STATUS(mw_sandbox_client(s, "{\"client_id\": \"a\", \"client_secret\": \"b\"}", &c, &err), MW_INVALID_ARGUMENT,
                 err);
    CHECK_STR(mw_error_argument(err), "token/client_credentials");
    mw_error_free(err);
    /* Another base URL wins over the sandbox's (merged over, not under). */
    CHECK_STATUS(mw_sandbox_client(s, "{\"base_url\": \"http://127.0.0.1:9/rest/v1beta1\", \"max_retries\": 0}", &c, &err),
                 MW_OK, err);
    char *url = NULL;
    mw_client_base_url(c, &url);
    CHECK_STR(url, "http://127.0.0.1:9/rest/v1beta1");
    mw_string_free(url);
    mw_client_free(c);
    c = NULL;
    CHECK(c == NULL);
    mw_sandbox_stop(s);
}

static void test_oauth(void) {
    mw_sandbox *s = NULL;
    mw_client *c = NULL;
    mw_error *err = NULL;
    CHECK_STATUS(mw_sandbox_start("{\"oauth\": true, \"response_duration_ms\": 20}", &s, &err), MW_OK, err);
    CHECK_STATUS(mw_sandbox_client(s, NULL, &c, &err), MW_OK, err);
    CHECK_STATUS(turn(c, "hi", &err), MW_OK, err);
    cJSON *j = run_ok(s, "requests", "{\"path_contains\": \"/oauth/\"}");
    CHECK(cJSON_GetArraySize(j) == 1);
    cJSON_Delete(j);
    j = run_ok(s, "revoke_tokens", "{}");
    CHECK(cJSON_GetObjectItem(j, "revoked")->valueint >= 1);
    cJSON_Delete(j);
    /* The client fetches a new token after the revocation (a second token request). */
    CHECK_STATUS(turn(c, "again", &err), MW_OK, err);
    char *log = NULL, *secret = NULL;
    CHECK_STATUS(mw_sandbox_run(s, "requests", "{}", &log, &err), MW_OK, err);
    mw_sandbox_client_secret(s, &secret);
    CHECK(strstr(log, secret) == NULL);
    j = cJSON_Parse(log);
    int tokens = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, j) {
        if (strstr(cJSON_GetObjectItem(e, "path")->valuestring, "/oauth/")) tokens++;
    }
    CHECK(tokens == 2);
    cJSON_Delete(j);
    mw_string_free(log);
    mw_string_free(secret);
    mw_client_free(c);
    mw_sandbox_stop(s);
}

static void test_actions(void) {
    mw_sandbox *s = NULL;
    mw_client *c = NULL;
    mw_error *err = NULL;
    CHECK_STATUS(mw_sandbox_start(QUIET, &s, &err), MW_OK, err);
    CHECK_STATUS(mw_sandbox_client(s, NULL, &c, &err), MW_OK, err);

    /* fail_next_response with a count: the next two turns fail, the third completes. */
    cJSON *j = run_ok(s, "fail_next_response", "{\"count\": 2}");
    cJSON_Delete(j);
    CHECK_STATUS(turn(c, "one", &err), MW_RESPONSE_FAILED, err);
    mw_error_free(err);
    err = NULL;
    CHECK_STATUS(turn(c, "two", &err), MW_RESPONSE_FAILED, err);
    mw_error_free(err);
    err = NULL;
    CHECK_STATUS(turn(c, "three", &err), MW_OK, err);

    /* configure answers the settings after the change. */
    j = run_ok(s, "configure", "{\"response_duration_ms\": 10}");
    CHECK(cJSON_GetObjectItem(j, "response_duration_ms")->valueint == 10);
    cJSON_Delete(j);

    /* inject_event: a notification in the conversation's events feed. */
    mw_conversation *conv = NULL;
    char *id = NULL, *args = NULL;
    CHECK_STATUS(mw_client_create_conversation(c, NULL, &conv, &err), MW_OK, err);
    mw_conversation_id(conv, &id);
    CHECK(asprintf(&args, "{\"conversation_id\": \"%s\", \"text\": \"Your laptop is ready\"}", id) > 0);
    j = run_ok(s, "inject_event", args);
    cJSON_Delete(j);
    mw_event_page *events = NULL;
    CHECK_STATUS(mw_client_list_events(c, id, NULL, NULL, NULL, MW_LIMIT_DEFAULT, &events, &err), MW_OK, err);
    size_t n = 0;
    mw_event_page_count(events, &n);
    CHECK(n == 1);
    char *json = NULL;
    mw_event_page_to_json(events, &json);
    CHECK(json && strstr(json, "Your laptop is ready") != NULL);
    mw_string_free(json);
    mw_event_page_free(events);
    free(args);

    /* feedback: none yet. clear_requests empties the log; requests filters it. */
    j = run_ok(s, "feedback", NULL);
    CHECK(cJSON_IsArray(j) && cJSON_GetArraySize(j) == 0);
    cJSON_Delete(j);
    j = run_ok(s, "requests", "{\"method\": \"get\"}");
    CHECK(cJSON_GetArraySize(j) >= 1);
    cJSON_Delete(j);
    j = run_ok(s, "clear_requests", "");
    cJSON_Delete(j);
    j = run_ok(s, "requests", NULL);
    CHECK(cJSON_IsArray(j) && cJSON_GetArraySize(j) == 0);
    cJSON_Delete(j);

    /* Another fault kind: a dropped connection, retried by the client. */
    j = run_ok(s, "fault", "{\"kind\": \"drop\", \"method\": \"GET\", \"path_contains\": \"/conversations/\"}");
    cJSON_Delete(j);
    mw_conversation *again = NULL;
    CHECK_STATUS(mw_client_get_conversation(c, id, &again, &err), MW_OK, err);
    mw_conversation_free(again);

    /* reset forgets every conversation. */
    j = run_ok(s, "reset", NULL);
    cJSON_Delete(j);
    CHECK_STATUS(mw_client_get_conversation(c, id, &again, &err), MW_NOT_FOUND, err);
    mw_error_free(err);
    mw_string_free(id);
    mw_conversation_free(conv);

    /* Errors name the action and write nothing. */
    run_refused(s, "explode", "{}", "explode");
    run_refused(s, "fail_next_response", "{\"count\": 0}", "fail_next_response");
    run_refused(s, "fail_next_response", "{\"cuont\": 1}", "fail_next_response");
    run_refused(s, "fault", "{\"kind\": \"earthquake\"}", "fault");
    run_refused(s, "requests", "{\"method\": 3}", "requests");
    run_refused(s, "reset", "{\"all\": true}", "reset");
    run_refused(s, "configure", "[1]", "configure");
    run_refused(s, "fault", "{", "fault");
    run_refused(s, NULL, "{}", "action");
    run_refused(s, "\xff", "{}", "action");
    run_refused(s, "reset", "\xff", "args_json");
    run_refused(NULL, "reset", "{}", "sandbox");
    mw_error *e = NULL;
    CHECK_STATUS(mw_sandbox_run(s, "reset", NULL, NULL, &e), MW_INVALID_ARGUMENT, e);
    CHECK_STR(mw_error_argument(e), "out_json");
    mw_error_free(e);
    /* NULL out_error is fine. */
    CHECK_STATUS(mw_sandbox_run(s, "explode", NULL, &json, NULL), MW_INVALID_ARGUMENT, NULL);

    mw_client_free(c);
    mw_sandbox_stop(s);
}

static void test_null_arguments_and_stop(void) {
    char *out = NULL;
    mw_client *c = NULL;
    mw_error *err = NULL;
    mw_sandbox_stop(NULL);
    CHECK(mw_sandbox_base_url(NULL, &out) == MW_INVALID_ARGUMENT);
    CHECK(mw_sandbox_origin(NULL, &out) == MW_INVALID_ARGUMENT);
    CHECK(mw_sandbox_token_url(NULL, &out) == MW_INVALID_ARGUMENT);
    CHECK(mw_sandbox_assistant_name(NULL, &out) == MW_INVALID_ARGUMENT);
    CHECK(mw_sandbox_token(NULL, &out) == MW_INVALID_ARGUMENT);
    CHECK(mw_sandbox_client_id(NULL, &out) == MW_INVALID_ARGUMENT);
    CHECK(mw_sandbox_client_secret(NULL, &out) == MW_INVALID_ARGUMENT);
    CHECK(out == NULL);
    CHECK_STATUS(mw_sandbox_client(NULL, NULL, &c, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "sandbox");
    mw_error_free(err);

    mw_sandbox *s = NULL;
    CHECK_STATUS(mw_sandbox_start(QUIET, &s, &err), MW_OK, err);
    CHECK(mw_sandbox_base_url(s, NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_sandbox_token(s, NULL) == MW_INVALID_ARGUMENT);
    CHECK_STATUS(mw_sandbox_client(s, NULL, NULL, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "out_client");
    mw_error_free(err);
    CHECK_STATUS(mw_sandbox_client(s, "\xff", &c, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "extra_options_json");
    mw_error_free(err);
    CHECK(c == NULL);

    /* A client outlives its sandbox: after the stop its calls fail with MW_CONNECTION. */
    CHECK_STATUS(mw_sandbox_client(s, "{\"max_retries\": 0}", &c, &err), MW_OK, err);
    CHECK_STATUS(turn(c, "before", &err), MW_OK, err);
    mw_sandbox_stop(s);
    mw_conversation *conv = NULL;
    CHECK_STATUS(mw_client_create_conversation(c, NULL, &conv, &err), MW_CONNECTION, err);
    mw_error_free(err);
    CHECK(conv == NULL);
    mw_client_free(c);
}

typedef struct worker {
    mw_sandbox *sandbox;
    int ok;
} worker;

static void *work(void *arg) {
    worker *w = arg;
    mw_client *c = NULL;
    if (mw_sandbox_client(w->sandbox, NULL, &c, NULL) != MW_OK) return NULL;
    for (int i = 0; i < 3; i++) {
        char *log = NULL;
        if (turn(c, "hi", NULL) == MW_OK && mw_sandbox_run(w->sandbox, "requests", "{\"method\": \"POST\"}", &log, NULL) == MW_OK)
            w->ok++;
        mw_string_free(log);
    }
    mw_client_free(c);
    return NULL;
}

static void test_many_at_once(void) {
    /* Two sandboxes at once are independent servers. */
    mw_sandbox *a = NULL, *b = NULL;
    mw_error *err = NULL;
    CHECK_STATUS(mw_sandbox_start(QUIET, &a, &err), MW_OK, err);
    CHECK_STATUS(mw_sandbox_start(QUIET, &b, &err), MW_OK, err);
    char *ua = NULL, *ub = NULL;
    mw_sandbox_base_url(a, &ua);
    mw_sandbox_base_url(b, &ub);
    CHECK(strcmp(ua, ub) != 0);
    mw_string_free(ua);
    mw_string_free(ub);
    /* Four threads share one sandbox: clients, turns and scripting at once. */
    pthread_t threads[4];
    worker workers[4];
    for (int i = 0; i < 4; i++) {
        workers[i] = (worker){a, 0};
        pthread_create(&threads[i], NULL, work, &workers[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        CHECK(workers[i].ok == 3);
    }
    cJSON *j = run_ok(a, "requests", "{\"method\": \"POST\", \"path_contains\": \"/responses\"}");
    CHECK(cJSON_GetArraySize(j) == 12);
    cJSON_Delete(j);
    j = run_ok(b, "requests", NULL);
    CHECK(cJSON_GetArraySize(j) == 0);
    cJSON_Delete(j);
    mw_sandbox_stop(a);
    mw_sandbox_stop(b);
}

static int by_value(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Prints the median time of mw_sandbox_start over 20 starts (each stopped before the next). */
static void measure_start(void) {
    double ms[20];
    for (int i = 0; i < 20; i++) {
        struct timespec t0, t1;
        mw_sandbox *s = NULL;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        CHECK_STATUS(mw_sandbox_start(NULL, &s, NULL), MW_OK, NULL);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        mw_sandbox_stop(s);
        ms[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    }
    qsort(ms, 20, sizeof ms[0], by_value);
    printf("sandbox start: median %.3f ms, min %.3f ms, max %.3f ms (20 starts)\n", (ms[9] + ms[10]) / 2, ms[0], ms[19]);
}

int main(void) {
    test_start_and_accessors();
    test_start_refused();
    test_client_options_merged();
    test_oauth();
    test_actions();
    test_null_arguments_and_stop();
    test_many_at_once();
    measure_start();
    return report("sandbox tests (C)");
}
