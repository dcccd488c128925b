/*
 * Unit tests of the C ABI against the simulator: every exported function, every
 * status, NULL and invalid UTF-8 arguments, cancellation from another thread and
 * one client shared by 8 threads. test.sh also checks that every function of the
 * header is named in a test file, and runs this program under valgrind.
 */
#include <fcntl.h>
#include <pthread.h>
#include <time.h>

#include "harness.h"

static const char BAD_UTF8[] = {'c', 'o', 'n', 'v', '_', (char)0xff, (char)0xfe, 0};

/* Calls expr (which uses `err`), checks its status and, when arg is not NULL, the rejected argument. */
#define EXPECT_ERR(expr, status, arg)                                                     \
    do {                                                                                  \
        mw_error *err = NULL;                                                             \
        CHECK_STATUS(expr, status, err);                                                 \
        CHECK(err != NULL);                                                               \
        if (err) {                                                                        \
            CHECK(mw_error_kind(err) == (status));                                        \
            CHECK_STR(mw_error_kind_name(err), mw_status_name(status));                   \
            CHECK(mw_error_message(err) != NULL && mw_error_message(err)[0] != 0);        \
            if ((arg) != NULL) CHECK_STR(mw_error_argument(err), (const char *)(arg));    \
        }                                                                                 \
        mw_error_free(err);                                                               \
    } while (0)

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void sim_config(const char *json) { sim_post("/_sim/config", json); }

/* POST /_sim/events: injects a system-initiated message into the events feed
   (kind "notification" or "async_response"; event_type NULL = MESSAGE_EVENT) and
   returns the created event as the simulator answered it (cJSON_Delete it). */
static cJSON *sim_inject_event(const char *conversation_id, const char *text, const char *kind,
                               const char *event_type) {
    cJSON *args = cJSON_CreateObject();
    cJSON_AddStringToObject(args, "conversation_id", conversation_id);
    cJSON_AddStringToObject(args, "text", text);
    cJSON_AddStringToObject(args, "kind", kind);
    if (event_type) cJSON_AddStringToObject(args, "event_type", event_type);
    char *body = cJSON_PrintUnformatted(args), *answer = NULL;
    int st = sim_http("POST", "/_sim/events", body, &answer);
    free(body);
    cJSON_Delete(args);
    cJSON *event = st == 201 && answer ? cJSON_Parse(answer) : NULL;
    free(answer);
    if (!event) {
        fprintf(stderr, "simulator /_sim/events answered %d\n", st);
        exit(2);
    }
    return event;
}
static void sim_fault(const char *json) { sim_post("/_sim/faults", json); }

static mw_client *client_with(uint32_t max_retries, uint64_t timeout_ms, const char *token, const char *assistant) {
    mw_client_builder *b = NULL;
    mw_client *c = NULL;
    mw_error *err = NULL;
    mw_client_builder_new(&b);
    mw_client_builder_base_url(b, g_sim.base_url);
    mw_client_builder_assistant_name(b, assistant ? assistant : g_sim.assistant_name);
    mw_client_builder_bearer_token(b, token ? token : g_sim.token);
    mw_client_builder_max_retries(b, max_retries);
    if (timeout_ms) mw_client_builder_timeout_ms(b, timeout_ms);
    CHECK_STATUS(mw_client_builder_build(b, &c, &err), MW_OK, err);
    mw_error_free(err);
    mw_client_builder_free(b);
    return c;
}

static char *conversation_id_of(const mw_conversation *conv) {
    char *id = NULL;
    CHECK(mw_conversation_id(conv, &id) == MW_OK);
    return id;
}

/* ---- statics, names, NULL-safe frees ------------------------------------------------ */

static void test_names_and_frees(void) {
    CHECK_STR(mw_version(), "0.1.0");
    CHECK_STR(mw_status_name(MW_OK), "ok");
    CHECK_STR(mw_status_name(MW_INVALID_ARGUMENT), "invalid_argument");
    CHECK_STR(mw_status_name(MW_CONNECTION), "connection");
    CHECK_STR(mw_status_name(MW_TIMEOUT), "timeout");
    CHECK_STR(mw_status_name(MW_DECODE), "decode");
    CHECK_STR(mw_status_name(MW_OAUTH), "oauth");
    CHECK_STR(mw_status_name(MW_BAD_REQUEST), "bad_request");
    CHECK_STR(mw_status_name(MW_AUTHENTICATION), "authentication");
    CHECK_STR(mw_status_name(MW_PERMISSION_DENIED), "permission_denied");
    CHECK_STR(mw_status_name(MW_NOT_FOUND), "not_found");
    CHECK_STR(mw_status_name(MW_RATE_LIMIT), "rate_limit");
    CHECK_STR(mw_status_name(MW_INTERNAL_SERVER), "internal_server");
    CHECK_STR(mw_status_name(MW_API_STATUS), "api_status");
    CHECK_STR(mw_status_name(MW_RESPONSE_FAILED), "response_failed");
    CHECK_STR(mw_status_name(MW_POLL_TIMEOUT), "poll_timeout");
    CHECK_STR(mw_status_name(MW_CANCELLED), "cancelled");
    CHECK_STR(mw_status_name(MW_PANIC), "panic");
    CHECK(mw_status_name(16) == NULL);
    CHECK(mw_status_name(-1) == NULL);

    /* Every free function accepts NULL. */
    mw_string_free(NULL);
    mw_error_free(NULL);
    mw_client_builder_free(NULL);
    mw_client_free(NULL);
    mw_cancel_token_free(NULL);
    mw_conversation_free(NULL);
    mw_conversation_page_free(NULL);
    mw_conversation_iter_free(NULL);
    mw_response_free(NULL);
    mw_event_free(NULL);
    mw_event_page_free(NULL);
    mw_event_iter_free(NULL);

    /* Error accessors on NULL. */
    CHECK(mw_error_kind(NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_error_kind_name(NULL) == NULL);
    CHECK(mw_error_message(NULL) == NULL);
    CHECK(mw_error_http_status(NULL) == 0);
    CHECK(mw_error_code(NULL) == NULL);
    CHECK(mw_error_request_id(NULL) == NULL);
    CHECK(mw_error_retry_after_ms(NULL) == -1);
    CHECK(mw_error_argument(NULL) == NULL);
    CHECK(mw_error_response_id(NULL) == NULL);
    CHECK(mw_error_last_status(NULL) == NULL);
    CHECK(mw_error_response(NULL) == NULL);
    CHECK(mw_error_body_excerpt(NULL) == NULL);
    CHECK(mw_error_is_transient(NULL) == false);
}

/* Test-only export of a library built with the `test-hooks` feature; not in the header. */
enum mw_status mw_debug_panic(struct mw_error **out_error);

static void test_panic(void) {
    mw_error *err = NULL;
    CHECK(mw_debug_panic(&err) == MW_PANIC);
    CHECK(mw_error_kind(err) == MW_PANIC);
    CHECK_STR(mw_error_kind_name(err), "panic");
    CHECK(strstr(mw_error_message(err), "mw_debug_panic") != NULL);
    mw_error_free(err);
    CHECK(mw_debug_panic(NULL) == MW_PANIC);
}

/* ---- builder ----------------------------------------------------------------------------- */

static void test_builder(void) {
    mw_client_builder *b = NULL;
    mw_client *c = NULL;
    CHECK(mw_client_builder_new(NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_new(&b) == MW_OK);

    /* No assistant name yet. */
    EXPECT_ERR(mw_client_builder_build(b, &c, &err), MW_INVALID_ARGUMENT, "assistant_name");
    CHECK(c == NULL);

    /* Setters reject NULL builders, NULL strings and invalid UTF-8. */
    CHECK(mw_client_builder_base_url(NULL, "http://127.0.0.1") == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_base_url(b, NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_base_url(b, BAD_UTF8) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_assistant_name(b, NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_assistant_name(b, BAD_UTF8) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_bearer_token(b, NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_bearer_token(b, BAD_UTF8) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_client_credentials(b, NULL, "s") == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_client_credentials(b, "id", BAD_UTF8) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_token_url(b, NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_token_url(b, BAD_UTF8) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_timeout_ms(NULL, 1) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_connect_timeout_ms(NULL, 1) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_deadline_ms(NULL, 1) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_max_retries(NULL, 1) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_max_idle_connections(NULL, 1) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_builder_max_response_bytes(NULL, 1) == MW_INVALID_ARGUMENT);
    EXPECT_ERR(mw_client_builder_build(NULL, &c, &err), MW_INVALID_ARGUMENT, "builder");
    EXPECT_ERR(mw_client_builder_build(b, NULL, &err), MW_INVALID_ARGUMENT, "out_client");

    /* The core checks the values at build time and names the argument. */
    CHECK(mw_client_builder_assistant_name(b, g_sim.assistant_name) == MW_OK);
    /* No credential: refused when building on the beta (on rest/v1 only per-user views call). */
    mw_error *set_err = NULL;
    CHECK(mw_client_builder_set(b, "api_version", "v1beta1", &set_err) == MW_OK && set_err == NULL);
    EXPECT_ERR(mw_client_builder_build(b, &c, &err), MW_INVALID_ARGUMENT, "token");
    CHECK(mw_client_builder_bearer_token(b, g_sim.token) == MW_OK);
    CHECK(mw_client_builder_base_url(b, "http://example.com/api") == MW_OK);
    EXPECT_ERR(mw_client_builder_build(b, &c, &err), MW_INVALID_ARGUMENT, "base_url");
    CHECK(mw_client_builder_base_url(b, g_sim.base_url) == MW_OK);
    CHECK(mw_client_builder_timeout_ms(b, 0) == MW_OK);
    EXPECT_ERR(mw_client_builder_build(b, &c, &err), MW_INVALID_ARGUMENT, "timeout");
    CHECK(mw_client_builder_timeout_ms(b, 5000) == MW_OK);
    CHECK(mw_client_builder_connect_timeout_ms(b, 0) == MW_OK);
    EXPECT_ERR(mw_client_builder_build(b, &c, &err), MW_INVALID_ARGUMENT, "connect_timeout");
    CHECK(mw_client_builder_connect_timeout_ms(b, 5000) == MW_OK);
    CHECK(mw_client_builder_deadline_ms(b, 0) == MW_OK);
    EXPECT_ERR(mw_client_builder_build(b, &c, &err), MW_INVALID_ARGUMENT, "deadline");
    CHECK(mw_client_builder_deadline_ms(b, 20000) == MW_OK);
    CHECK(mw_client_builder_max_response_bytes(b, 0) == MW_OK);
    EXPECT_ERR(mw_client_builder_build(b, &c, &err), MW_INVALID_ARGUMENT, "max_response_bytes");
    CHECK(mw_client_builder_max_response_bytes(b, 1 << 20) == MW_OK);
    CHECK(mw_client_builder_max_idle_connections(b, 4) == MW_OK);
    CHECK(mw_client_builder_max_retries(b, 1) == MW_OK);
    /* A token and client credentials together are refused (the core's credential rule, the
       same in every language), so the OAuth half goes on with a builder that has no token. */
    CHECK(mw_client_builder_client_credentials(b, g_sim.client_id, g_sim.client_secret) == MW_OK);
    EXPECT_ERR(mw_client_builder_build(b, &c, &err), MW_INVALID_ARGUMENT, "token/client_credentials");
    mw_client_builder_free(b);
    b = NULL;
    CHECK(mw_client_builder_new(&b) == MW_OK);
    CHECK(mw_client_builder_base_url(b, g_sim.base_url) == MW_OK);
    CHECK(mw_client_builder_assistant_name(b, g_sim.assistant_name) == MW_OK);
    CHECK(mw_client_builder_client_credentials(b, g_sim.client_id, "") == MW_OK);
    EXPECT_ERR(mw_client_builder_build(b, &c, &err), MW_INVALID_ARGUMENT, "client_secret");
    CHECK(mw_client_builder_client_credentials(b, g_sim.client_id, g_sim.client_secret) == MW_OK);
    CHECK(mw_client_builder_token_url(b, "ftp://127.0.0.1/token") == MW_OK);
    EXPECT_ERR(mw_client_builder_build(b, &c, &err), MW_INVALID_ARGUMENT, "token_url");
    CHECK(mw_client_builder_token_url(b, g_sim.token_url) == MW_OK);

    /* A valid OAuth client works end to end. */
    mw_error *err = NULL;
    CHECK_STATUS(mw_client_builder_build(b, &c, &err), MW_OK, err);
    CHECK(err == NULL);
    mw_conversation_page *page = NULL;
    CHECK_STATUS(mw_client_list_conversations(c, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &page, &err), MW_OK, err);
    CHECK(sim_count_requests("POST", "/oauth/v1/token") == 1);
    mw_conversation_page_free(page);

    char *s = NULL;
    CHECK(mw_client_base_url(c, &s) == MW_OK);
    CHECK_STR(s, g_sim.base_url);
    mw_string_free(s);
    CHECK(mw_client_user_agent(c, &s) == MW_OK);
    CHECK(s && strstr(s, "moveworks-sdk/0.1.0 (c;") == s);
    mw_string_free(s);
    CHECK(mw_client_base_url(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_base_url(c, NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_user_agent(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_client_user_agent(c, NULL) == MW_INVALID_ARGUMENT);

    /* with_options: shares the pool, overrides limits; the core rejects nothing here. */
    mw_client *c2 = NULL;
    CHECK_STATUS(mw_client_with_options(c, 0, 0, -1, &c2, &err), MW_OK, err);
    mw_client_free(c2);
    c2 = NULL;
    CHECK_STATUS(mw_client_with_options(c, 3000, 10000, 0, &c2, &err), MW_OK, err);
    sim_fault("{\"kind\":\"status\",\"status\":500,\"method\":\"GET\",\"count\":1}");
    EXPECT_ERR(mw_client_list_conversations(c2, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &page, &err), MW_INTERNAL_SERVER, NULL);
    mw_client_free(c2);
    EXPECT_ERR(mw_client_with_options(NULL, 0, 0, -1, &c2, &err), MW_INVALID_ARGUMENT, "client");
    EXPECT_ERR(mw_client_with_options(c, 0, 0, -1, NULL, &err), MW_INVALID_ARGUMENT, "out_client");
    mw_client_free(c);
    mw_client_builder_free(b);

    /* From the environment. */
    setenv("MOVEWORKS_BASE_URL", g_sim.base_url, 1);
    setenv("MOVEWORKS_ASSISTANT_NAME", g_sim.assistant_name, 1);
    setenv("MOVEWORKS_TOKEN", g_sim.token, 1);
    b = NULL;
    c = NULL;
    CHECK_STATUS(mw_client_builder_from_env(&b, &err), MW_OK, err);
    CHECK_STATUS(mw_client_builder_build(b, &c, &err), MW_OK, err);
    CHECK(mw_client_base_url(c, &s) == MW_OK);
    CHECK_STR(s, g_sim.base_url);
    mw_string_free(s);
    mw_client_free(c);
    mw_client_builder_free(b);
    unsetenv("MOVEWORKS_ASSISTANT_NAME");
    b = NULL;
    EXPECT_ERR(mw_client_builder_from_env(&b, &err), MW_INVALID_ARGUMENT, NULL);
    CHECK(b == NULL);
    EXPECT_ERR(mw_client_builder_from_env(NULL, &err), MW_INVALID_ARGUMENT, "out_builder");
    unsetenv("MOVEWORKS_BASE_URL");
    unsetenv("MOVEWORKS_TOKEN");
}

/* mw_client_builder_set(): every core option by name, checked by the core. */
static void test_builder_set(void) {
    mw_client_builder *b = NULL;
    mw_client *c = NULL;
    CHECK(mw_client_builder_new(&b) == MW_OK);
    EXPECT_ERR(mw_client_builder_set(NULL, "timeout_ms", "1", &err), MW_INVALID_ARGUMENT, "builder");
    EXPECT_ERR(mw_client_builder_set(b, NULL, "1", &err), MW_INVALID_ARGUMENT, "key");
    EXPECT_ERR(mw_client_builder_set(b, "timeout_ms", NULL, &err), MW_INVALID_ARGUMENT, "timeout_ms");
    EXPECT_ERR(mw_client_builder_set(b, "timeout_ms", BAD_UTF8, &err), MW_INVALID_ARGUMENT, "timeout_ms");
    /* A misspelt key or a value of the wrong type names the key. */
    EXPECT_ERR(mw_client_builder_set(b, "timout_ms", "5", &err), MW_INVALID_ARGUMENT, "timout_ms");
    EXPECT_ERR(mw_client_builder_set(b, "max_retries", "lots", &err), MW_INVALID_ARGUMENT, "max_retries");
    EXPECT_ERR(mw_client_builder_set(b, "allow_insecure_http", "yes", &err), MW_INVALID_ARGUMENT, "allow_insecure_http");
    EXPECT_ERR(mw_client_builder_set(b, "deadline", "-1", &err), MW_INVALID_ARGUMENT, "deadline");
    const char *pairs[][2] = {
        {"base_url", g_sim.base_url}, {"assistant_name", g_sim.assistant_name}, {"token", g_sim.token},
        {"timeout", "2.5"}, {"deadline_ms", "20000"}, {"max_retries", "0"}, {"max_idle_connections", "4"},
        {"max_response_bytes", "1048576"}, {"allow_insecure_http", "false"}, {"user_agent_suffix", "c-app/1.0"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        mw_error *err = NULL;
        CHECK_STATUS(mw_client_builder_set(b, pairs[i][0], pairs[i][1], &err), MW_OK, err);
    }
    /* The suffix reaches the wire. */
    mw_error *err = NULL;
    CHECK_STATUS(mw_client_builder_build(b, &c, &err), MW_OK, err);
    mw_conversation_page *page = NULL;
    CHECK_STATUS(mw_client_list_conversations(c, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &page, &err), MW_OK, err);
    mw_conversation_page_free(page);
    CHECK(sim_count_requests_ua("GET", "/conversations", ") c-app/1.0") == 1);
    mw_client_free(c);
    c = NULL;
    /* Values are checked at build: a suffix that could split headers, then both credentials. */
    CHECK_STATUS(mw_client_builder_set(b, "user_agent_suffix", "x\r\nX-Evil: 1", &err), MW_OK, err);
    EXPECT_ERR(mw_client_builder_build(b, &c, &err), MW_INVALID_ARGUMENT, "user_agent_suffix");
    CHECK_STATUS(mw_client_builder_set(b, "user_agent_suffix", "ok", &err), MW_OK, err);
    CHECK_STATUS(mw_client_builder_set(b, "client_id", g_sim.client_id, &err), MW_OK, err);
    EXPECT_ERR(mw_client_builder_build(b, &c, &err), MW_INVALID_ARGUMENT, "token/client_credentials");
    CHECK(c == NULL);
    mw_client_builder_free(b);
}

/* ---- conversations, pages, iterators --------------------------------------------------------- */

static void test_conversations(mw_client *c) {
    mw_error *err = NULL;
    mw_conversation *conv = NULL, *untitled = NULL;
    CHECK_STATUS(mw_client_create_conversation(c, "Café ☕", &conv, &err), MW_OK, err);
    CHECK(err == NULL);
    char *id = conversation_id_of(conv), *s = NULL;
    CHECK(id && strncmp(id, "conv_", 5) == 0);
    CHECK(mw_conversation_title(conv, &s) == MW_OK);
    CHECK_STR(s, "Café ☕");
    mw_string_free(s);
    bool archived = true;
    CHECK(mw_conversation_archived(conv, &archived) == MW_OK && archived == false);
    int64_t created = 0, updated = 0;
    CHECK(mw_conversation_created_at(conv, &created) == MW_OK);
    CHECK(mw_conversation_updated_at(conv, &updated) == MW_OK);
    CHECK(created > 1500000000000LL && updated >= created);

    /* to_json / from_json round trip. */
    CHECK(mw_conversation_to_json(conv, &s) == MW_OK);
    CHECK(s && strstr(s, "\"conversation_id\":\"conv_") != NULL && strstr(s, "\"title\":\"Café ☕\"") != NULL);
    mw_conversation *copy = NULL;
    CHECK_STATUS(mw_conversation_from_json(s, &copy, &err), MW_OK, err);
    char *copy_id = conversation_id_of(copy);
    CHECK_STR(copy_id, id);
    mw_string_free(copy_id);
    mw_conversation_free(copy);
    mw_string_free(s);
    EXPECT_ERR(mw_conversation_from_json("{\"title\": 3}", &copy, &err), MW_DECODE, NULL);
    EXPECT_ERR(mw_conversation_from_json(NULL, &copy, &err), MW_INVALID_ARGUMENT, "json");
    EXPECT_ERR(mw_conversation_from_json(BAD_UTF8, &copy, &err), MW_INVALID_ARGUMENT, "json");
    EXPECT_ERR(mw_conversation_from_json("{}", NULL, &err), MW_INVALID_ARGUMENT, "out");

    /* Untitled: title is NULL. */
    CHECK_STATUS(mw_client_create_conversation(c, NULL, &untitled, &err), MW_OK, err);
    s = (char *)"sentinel";
    CHECK(mw_conversation_title(untitled, &s) == MW_OK && s == NULL);

    /* Get, update. */
    mw_conversation *got = NULL;
    CHECK_STATUS(mw_client_get_conversation(c, id, &got, &err), MW_OK, err);
    CHECK(mw_conversation_title(got, &s) == MW_OK);
    CHECK_STR(s, "Café ☕");
    mw_string_free(s);
    mw_conversation_free(got);
    got = NULL;
    CHECK_STATUS(mw_client_update_conversation(c, id, "Renamed", MW_ARCHIVED_UNSET, &got, &err), MW_OK, err);
    CHECK(mw_conversation_title(got, &s) == MW_OK);
    CHECK_STR(s, "Renamed");
    mw_string_free(s);
    mw_conversation_free(got);
    got = NULL;
    CHECK_STATUS(mw_client_update_conversation(c, id, NULL, 1, &got, &err), MW_OK, err);
    CHECK(mw_conversation_archived(got, &archived) == MW_OK && archived == true);
    mw_conversation_free(got);
    EXPECT_ERR(mw_client_update_conversation(c, id, NULL, MW_ARCHIVED_UNSET, &got, &err), MW_INVALID_ARGUMENT, "update");

    /* Pages: the archived one is listed only with archived=1. */
    mw_conversation_page *page = NULL;
    CHECK_STATUS(mw_client_list_conversations(c, NULL, 10, 1, &page, &err), MW_OK, err);
    size_t n = 0;
    CHECK(mw_conversation_page_count(page, &n) == MW_OK && n == 1);
    const mw_conversation *item = NULL;
    CHECK(mw_conversation_page_get(page, 0, &item) == MW_OK && item != NULL);
    char *item_id = conversation_id_of(item);
    CHECK_STR(item_id, id);
    mw_string_free(item_id);
    CHECK(mw_conversation_page_get(page, 1, &item) == MW_INVALID_ARGUMENT);
    s = (char *)"sentinel";
    CHECK(mw_conversation_page_next_cursor(page, &s) == MW_OK && s == NULL);
    CHECK(mw_conversation_page_to_json(page, &s) == MW_OK);
    CHECK(s && strstr(s, "\"metadata\"") != NULL);
    mw_conversation_page *page2 = NULL;
    CHECK_STATUS(mw_conversation_page_from_json(s, &page2, &err), MW_OK, err);
    CHECK(mw_conversation_page_count(page2, &n) == MW_OK && n == 1);
    mw_conversation_page_free(page2);
    mw_string_free(s);
    EXPECT_ERR(mw_conversation_page_from_json("42", &page2, &err), MW_DECODE, NULL);
    mw_conversation_page_free(page);

    /* Three more active conversations, listed two per page. */
    for (int i = 0; i < 3; i++) {
        mw_conversation *extra = NULL;
        CHECK_STATUS(mw_client_create_conversation(c, "extra", &extra, &err), MW_OK, err);
        mw_conversation_free(extra);
    }
    page = NULL;
    CHECK_STATUS(mw_client_list_conversations(c, NULL, 2, 0, &page, &err), MW_OK, err);
    char *cursor = NULL;
    CHECK(mw_conversation_page_next_cursor(page, &cursor) == MW_OK && cursor != NULL);
    mw_conversation_page_free(page);
    page = NULL;
    CHECK_STATUS(mw_client_list_conversations(c, cursor, 2, 0, &page, &err), MW_OK, err);
    CHECK(mw_conversation_page_count(page, &n) == MW_OK && n == 2);
    mw_conversation_page_free(page);

    /* Iterator by item: 4 active conversations (untitled + 3 extra). */
    mw_conversation_iter *it = NULL;
    CHECK_STATUS(mw_client_iter_conversations(c, NULL, 2, MW_ARCHIVED_UNSET, &it, &err), MW_OK, err);
    int count = 0;
    for (;;) {
        mw_conversation *next = NULL;
        mw_status st = mw_conversation_iter_next(it, &next, &err);
        CHECK(st == MW_OK);
        if (st != MW_OK || !next) break;
        count++;
        mw_conversation_free(next);
    }
    CHECK(count == 4);
    mw_conversation_iter_free(it);
    /* Iterator by page, starting at a cursor: the last two. */
    it = NULL;
    CHECK_STATUS(mw_client_iter_conversations(c, cursor, 2, MW_ARCHIVED_UNSET, &it, &err), MW_OK, err);
    int pages = 0;
    for (;;) {
        mw_conversation_page *p = NULL;
        CHECK_STATUS(mw_conversation_iter_next_page(it, &p, &err), MW_OK, err);
        if (!p) break;
        pages++;
        mw_conversation_page_free(p);
    }
    CHECK(pages == 1);
    mw_conversation_iter_free(it);
    mw_string_free(cursor);
    /* An iterator ends after an error. */
    it = NULL;
    CHECK_STATUS(mw_client_iter_conversations(c, "bogus-cursor", MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &it, &err), MW_OK, err);
    mw_conversation *none = NULL;
    EXPECT_ERR(mw_conversation_iter_next(it, &none, &err), MW_BAD_REQUEST, NULL);
    CHECK_STATUS(mw_conversation_iter_next(it, &none, &err), MW_OK, err);
    CHECK(none == NULL);
    mw_conversation_iter_free(it);

    /* NULL and bad UTF-8 arguments: MW_INVALID_ARGUMENT naming the argument, no request sent. */
    sim_http("DELETE", "/_sim/requests", NULL, NULL);
    EXPECT_ERR(mw_client_create_conversation(NULL, "t", &got, &err), MW_INVALID_ARGUMENT, "client");
    EXPECT_ERR(mw_client_create_conversation(c, BAD_UTF8, &got, &err), MW_INVALID_ARGUMENT, "title");
    EXPECT_ERR(mw_client_create_conversation(c, "t", NULL, &err), MW_INVALID_ARGUMENT, "out_conversation");
    EXPECT_ERR(mw_client_get_conversation(c, NULL, &got, &err), MW_INVALID_ARGUMENT, "conversation_id");
    EXPECT_ERR(mw_client_get_conversation(c, BAD_UTF8, &got, &err), MW_INVALID_ARGUMENT, "conversation_id");
    EXPECT_ERR(mw_client_get_conversation(c, "a/b", &got, &err), MW_INVALID_ARGUMENT, "conversation_id");
    EXPECT_ERR(mw_client_update_conversation(c, NULL, "t", 0, &got, &err), MW_INVALID_ARGUMENT, "conversation_id");
    EXPECT_ERR(mw_client_update_conversation(c, id, BAD_UTF8, 0, &got, &err), MW_INVALID_ARGUMENT, "title");
    EXPECT_ERR(mw_client_list_conversations(c, BAD_UTF8, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &page, &err), MW_INVALID_ARGUMENT, "cursor");
    EXPECT_ERR(mw_client_list_conversations(c, NULL, 0, MW_ARCHIVED_UNSET, &page, &err), MW_INVALID_ARGUMENT, "limit");
    EXPECT_ERR(mw_client_list_conversations(c, NULL, 101, MW_ARCHIVED_UNSET, &page, &err), MW_INVALID_ARGUMENT, "limit");
    EXPECT_ERR(mw_client_list_conversations(c, NULL, 1LL << 40, MW_ARCHIVED_UNSET, &page, &err), MW_INVALID_ARGUMENT, "limit");
    EXPECT_ERR(mw_client_list_conversations(c, NULL, 5, 0, NULL, &err), MW_INVALID_ARGUMENT, "out_page");
    EXPECT_ERR(mw_client_iter_conversations(c, BAD_UTF8, 5, 0, &it, &err), MW_INVALID_ARGUMENT, "cursor");
    EXPECT_ERR(mw_client_iter_conversations(NULL, NULL, 5, 0, &it, &err), MW_INVALID_ARGUMENT, "client");
    EXPECT_ERR(mw_conversation_iter_next(NULL, &none, &err), MW_INVALID_ARGUMENT, "iter");
    EXPECT_ERR(mw_conversation_iter_next_page(NULL, &page, &err), MW_INVALID_ARGUMENT, "iter");
    CHECK(sim_count_requests(NULL, NULL) == 0);

    /* Accessors on NULL handles or NULL out-pointers. */
    CHECK(mw_conversation_id(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_conversation_id(conv, NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_conversation_archived(NULL, &archived) == MW_INVALID_ARGUMENT);
    CHECK(mw_conversation_created_at(conv, NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_conversation_to_json(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_conversation_page_count(NULL, &n) == MW_INVALID_ARGUMENT);
    CHECK(mw_conversation_page_get(NULL, 0, &item) == MW_INVALID_ARGUMENT);
    CHECK(mw_conversation_page_next_cursor(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_conversation_page_to_json(NULL, &s) == MW_INVALID_ARGUMENT);

    mw_string_free(id);
    mw_conversation_free(untitled);
    mw_conversation_free(conv);
}

/* ---- responses, polling, models ------------------------------------------------------------------ */

typedef struct update_log {
    int calls;
    int saw_completed;
    int stop_after; /* 0 = never stop */
} update_log;

static bool on_update(const mw_response *r, void *user_data) {
    update_log *log = (update_log *)user_data;
    mw_response_status st;
    log->calls++;
    if (mw_response_get_status(r, &st) == MW_OK) {
        if (st == MW_RESPONSE_STATUS_COMPLETED) log->saw_completed = 1;
    }
    return log->stop_after == 0 || log->calls < log->stop_after;
}

static void check_content(const mw_content *content, mw_content_type want, const char *want_name) {
    mw_content_type t;
    char *s = NULL;
    CHECK(mw_content_get_type(content, &t) == MW_OK && t == want);
    CHECK(mw_content_type_name(content, &s) == MW_OK);
    CHECK_STR(s, want_name);
    mw_string_free(s);
    CHECK(mw_content_text_lossy(content, &s) == MW_OK && s != NULL && s[0] != 0);
    mw_string_free(s);
    CHECK(mw_content_text(content, &s) == MW_OK);
    CHECK(want == MW_CONTENT_UNKNOWN ? s == NULL : (s != NULL && s[0] != 0));
    mw_string_free(s);
    CHECK(mw_content_to_json(content, &s) == MW_OK && s && strstr(s, want_name));
    mw_string_free(s);
}

static void check_message(const mw_message *m, const char *conversation_id) {
    char *s = NULL;
    CHECK(mw_message_id(m, &s) == MW_OK && s && s[0]);
    mw_string_free(s);
    CHECK(mw_message_conversation_id(m, &s) == MW_OK);
    CHECK_STR(s, conversation_id);
    mw_string_free(s);
    CHECK(mw_message_response_id(m, &s) == MW_OK && s && strncmp(s, "resp_", 5) == 0);
    mw_string_free(s);
    mw_actor actor;
    CHECK(mw_message_actor(m, &actor) == MW_OK && actor == MW_ACTOR_ASSISTANT);
    CHECK(mw_message_actor_name(m, &s) == MW_OK);
    CHECK_STR(s, "ASSISTANT");
    mw_string_free(s);
    int64_t created = 0;
    CHECK(mw_message_created_at(m, &created) == MW_OK && created > 0);
    const mw_content *content = NULL;
    CHECK(mw_message_content(m, &content) == MW_OK && content);
    check_content(content, MW_CONTENT_COMMONMARK_TEXT, "COMMONMARK_TEXT");
    CHECK(mw_message_text(m, &s) == MW_OK && s && strstr(s, "Employee Handbook"));
    mw_string_free(s);
    /* The published shape: three citations placed by content references (character
       offsets; the last two share one), no deprecated location. The markers land right
       after the cited names. */
    CHECK(mw_message_text_with_citation_markers(m, &s) == MW_OK);
    CHECK(s && strstr(s, "covers this topic[1]") && strstr(s, "FAQ[2][3]"));
    mw_string_free(s);
    size_t n = 0;
    CHECK(mw_message_citation_count(m, &n) == MW_OK && n == 3);
    CHECK(mw_message_content_reference_count(m, &n) == MW_OK && n == 3);
    uint64_t offsets[3] = {0, 0, 0};
    for (size_t i = 0; i < 3; i++) {
        const mw_citation *ci = NULL;
        char *ref_id = NULL, *cit_id = NULL;
        CHECK(mw_message_content_reference_offset(m, i, &offsets[i]) == MW_OK);
        CHECK(mw_message_content_reference_citation_id(m, i, &ref_id) == MW_OK && ref_id);
        CHECK(mw_message_citation(m, i, &ci) == MW_OK && mw_citation_id(ci, &cit_id) == MW_OK);
        CHECK(cit_id && strncmp(cit_id, "cite_", 5) == 0);
        CHECK_STR(ref_id, cit_id);
        mw_string_free(ref_id);
        mw_string_free(cit_id);
    }
    CHECK(offsets[0] > 0 && offsets[1] > offsets[0] && offsets[2] == offsets[1]);
    CHECK(mw_message_content_reference_offset(m, 3, &offsets[0]) == MW_INVALID_ARGUMENT);
    CHECK(mw_message_content_reference_citation_id(m, 3, &s) == MW_INVALID_ARGUMENT);
    const mw_citation *cit = NULL;
    CHECK(mw_message_citation(m, 0, &cit) == MW_OK && cit);
    CHECK(mw_message_citation(m, 3, &cit) == MW_INVALID_ARGUMENT);
    CHECK(mw_message_citation(m, 0, &cit) == MW_OK);
    /* The deprecated offset is absent: reported, never a made-up 0. */
    uint64_t offset = 777;
    bool has_offset = true;
    CHECK(mw_citation_has_offset(cit, &has_offset) == MW_OK && !has_offset);
    CHECK(mw_citation_offset(cit, &offset) == MW_INVALID_ARGUMENT && offset == 777);
    CHECK(mw_citation_display_attribute_count(cit, &n) == MW_OK && n == 1);
    CHECK(mw_citation_display_attribute_key(cit, 0, &s) == MW_OK);
    CHECK_STR(s, "source_type");
    mw_string_free(s);
    CHECK(mw_citation_display_attribute_value(cit, 0, &s) == MW_OK);
    CHECK_STR(s, "KNOWLEDGE_BASE");
    mw_string_free(s);
    s = NULL;
    CHECK(mw_citation_display_attribute_key(cit, 1, &s) == MW_INVALID_ARGUMENT && s == NULL);
    CHECK(mw_citation_display_attribute_value(cit, 1, &s) == MW_INVALID_ARGUMENT && s == NULL);
    CHECK(mw_citation_url(cit, &s) == MW_OK);
    CHECK_STR(s, "https://help.example.com/kb/employee-handbook");
    mw_string_free(s);
    bool has = false;
    CHECK(mw_citation_has_display(cit, &has) == MW_OK && has);
    const mw_content *title = NULL, *body = NULL;
    CHECK(mw_citation_display_title(cit, &title) == MW_OK && title);
    CHECK(mw_citation_display_body(cit, &body) == MW_OK && body);
    check_content(title, MW_CONTENT_MARKDOWN_TEXT, "MARKDOWN_TEXT");
    CHECK(mw_content_text(title, &s) == MW_OK);
    CHECK_STR(s, "Employee Handbook");
    mw_string_free(s);
    CHECK(mw_citation_to_json(cit, &s) == MW_OK && s && strstr(s, "\"citation_id\":\"cite_") &&
          strstr(s, "\"attributes\":[{\"key\":\"source_type\"") && !strstr(s, "\"location\""));
    mw_string_free(s);
    CHECK(mw_message_to_json(m, &s) == MW_OK && s && strstr(s, "\"citations\""));
    mw_string_free(s);
}

static void test_responses(mw_client *c) {
    mw_error *err = NULL;
    sim_config("{\"response_duration_ms\": 150}");
    mw_conversation *conv = NULL;
    CHECK_STATUS(mw_client_create_conversation(c, "Responses", &conv, &err), MW_OK, err);
    char *cid = conversation_id_of(conv), *s = NULL;

    mw_response *created = NULL;
    CHECK_STATUS(mw_client_create_response(c, cid, "Who does John Doe report to?", &created, &err), MW_OK, err);
    char *rid = NULL;
    CHECK(mw_response_id(created, &rid) == MW_OK && rid && strncmp(rid, "resp_", 5) == 0);
    CHECK(mw_response_conversation_id(created, &s) == MW_OK);
    CHECK_STR(s, cid);
    mw_string_free(s);
    mw_response_status st;
    CHECK(mw_response_get_status(created, &st) == MW_OK && st == MW_RESPONSE_STATUS_CREATED);
    CHECK(mw_response_status_name(created, &s) == MW_OK);
    CHECK_STR(s, "CREATED");
    mw_string_free(s);
    bool terminal = true, present = true;
    int64_t when = 0;
    CHECK(mw_response_is_terminal(created, &terminal) == MW_OK && !terminal);
    CHECK(mw_response_created_at(created, &when) == MW_OK && when > 0);
    CHECK(mw_response_completed_at(created, &present, &when) == MW_OK && !present && when == 0);
    size_t n = 99;
    CHECK(mw_response_output_count(created, &n) == MW_OK && n == 0);
    s = (char *)"sentinel";
    CHECK(mw_response_assistant_text(created, &s) == MW_OK && s == NULL);

    /* get_response, then wait with a callback that sees every change. */
    mw_response *polled = NULL;
    CHECK_STATUS(mw_client_get_response(c, cid, rid, &polled, &err), MW_OK, err);
    mw_response_free(polled);
    mw_wait_options o;
    CHECK(mw_wait_options_init(&o) == MW_OK);
    CHECK(o.initial_interval_ms == 250 && o.backoff_factor == 1.5 && o.max_interval_ms == 2000 && o.deadline_ms == 120000);
    CHECK(o.cancel == NULL && o.on_update == NULL && o.user_data == NULL);
    CHECK(mw_wait_options_init(NULL) == MW_INVALID_ARGUMENT);
    o.initial_interval_ms = 20;
    o.max_interval_ms = 50;
    o.deadline_ms = 20000;
    update_log log = {0, 0, 0};
    o.on_update = on_update;
    o.user_data = &log;
    mw_response *done = NULL;
    CHECK_STATUS(mw_client_wait_for_response(c, cid, rid, &o, &done, &err), MW_OK, err);
    CHECK(log.calls >= 1 && log.saw_completed);
    CHECK(mw_response_get_status(done, &st) == MW_OK && st == MW_RESPONSE_STATUS_COMPLETED);
    CHECK(mw_response_is_terminal(done, &terminal) == MW_OK && terminal);
    CHECK(mw_response_completed_at(done, &present, &when) == MW_OK && present && when > 0);
    int64_t updated = 0;
    CHECK(mw_response_updated_at(done, &present, &updated) == MW_OK && present && updated == when);
    CHECK(mw_response_updated_at(done, NULL, &updated) == MW_INVALID_ARGUMENT);
    s = (char *)"sentinel";
    CHECK(mw_response_error_code(done, &s) == MW_OK && s == NULL);
    s = (char *)"sentinel";
    CHECK(mw_response_error_message(done, &s) == MW_OK && s == NULL);
    {
        /* A FAILED response's error object, as the live get-response page documents it. */
        mw_response *failed = NULL;
        const char *wire = "{\"response_id\":\"resp_f\",\"conversation_id\":\"conv_f\",\"status\":\"FAILED\","
                           "\"created_at\":\"2026-01-01T00:00:00Z\",\"outputs\":null,"
                           "\"error\":{\"code\":\"INTERNAL_ERROR\",\"message\":\"no answer\"}}";
        CHECK_STATUS(mw_response_from_json(wire, &failed, &err), MW_OK, err);
        CHECK(mw_response_error_code(failed, &s) == MW_OK);
        CHECK_STR(s, "INTERNAL_ERROR");
        mw_string_free(s);
        CHECK(mw_response_error_message(failed, &s) == MW_OK);
        CHECK_STR(s, "no answer");
        mw_string_free(s);
        CHECK(mw_response_output_count(failed, &n) == MW_OK && n == 0);
        CHECK(mw_response_updated_at(failed, &present, &updated) == MW_OK && !present && updated == 0);
        mw_response_free(failed);
    }
    CHECK(mw_response_assistant_text(done, &s) == MW_OK && s && strstr(s, "John Doe"));
    mw_string_free(s);

    /* Outputs: a reasoning message and the assistant's final message. */
    CHECK(mw_response_output_count(done, &n) == MW_OK && n >= 2);
    int messages = 0, reasonings = 0;
    for (size_t i = 0; i < n; i++) {
        const mw_output_item *item = NULL;
        mw_output_type t;
        CHECK(mw_response_output(done, i, &item) == MW_OK && item);
        CHECK(mw_output_item_type(item, &t) == MW_OK);
        char *type_name = NULL;
        CHECK(mw_output_item_type_name(item, &type_name) == MW_OK);
        CHECK(mw_output_item_to_json(item, &s) == MW_OK && s && type_name && strstr(s, type_name));
        mw_string_free(s);
        mw_string_free(type_name);
        const mw_message *m = NULL;
        const mw_reasoning_message *rm = NULL;
        CHECK(mw_output_item_message(item, &m) == MW_OK);
        CHECK(mw_output_item_reasoning_message(item, &rm) == MW_OK);
        if (t == MW_OUTPUT_MESSAGE) {
            CHECK(m != NULL && rm == NULL);
            mw_actor actor;
            mw_message_actor(m, &actor);
            if (actor == MW_ACTOR_ASSISTANT) {
                messages++;
                check_message(m, cid);
            }
        } else if (t == MW_OUTPUT_REASONING_MESSAGE) {
            CHECK(rm != NULL && m == NULL);
            reasonings++;
            CHECK(mw_reasoning_message_id(rm, &s) == MW_OK && s && s[0]);
            mw_string_free(s);
            CHECK(mw_reasoning_message_conversation_id(rm, &s) == MW_OK);
            CHECK_STR(s, cid);
            mw_string_free(s);
            CHECK(mw_reasoning_message_response_id(rm, &s) == MW_OK);
            CHECK_STR(s, rid);
            mw_string_free(s);
            CHECK(mw_reasoning_message_created_at(rm, &when) == MW_OK && when > 0);
            const mw_content *content = NULL;
            CHECK(mw_reasoning_message_content(rm, &content) == MW_OK);
            check_content(content, MW_CONTENT_PLAIN_TEXT, "PLAIN_TEXT");
            CHECK(mw_reasoning_message_to_json(rm, &s) == MW_OK && s && strstr(s, "reasoning_message_id"));
            mw_string_free(s);
        }
    }
    CHECK(messages == 1 && reasonings >= 1);
    const mw_output_item *none = NULL;
    CHECK(mw_response_output(done, n, &none) == MW_INVALID_ARGUMENT);

    /* to_json / from_json round trip of a whole response. */
    CHECK(mw_response_to_json(done, &s) == MW_OK);
    mw_response *copy = NULL;
    CHECK_STATUS(mw_response_from_json(s, &copy, &err), MW_OK, err);
    char *s2 = NULL;
    CHECK(mw_response_to_json(copy, &s2) == MW_OK);
    CHECK_STR(s2, s);
    mw_string_free(s);
    mw_string_free(s2);
    mw_response_free(copy);
    EXPECT_ERR(mw_response_from_json("{\"response_id\":1}", &copy, &err), MW_DECODE, NULL);

    /* NULL options: the defaults (the response is already complete). */
    mw_response *again = NULL;
    CHECK_STATUS(mw_client_wait_for_response(c, cid, rid, NULL, &again, &err), MW_OK, err);
    mw_response_free(again);

    /* create_response_and_wait. */
    log = (update_log){0, 0, 0};
    again = NULL;
    CHECK_STATUS(mw_client_create_response_and_wait(c, cid, "And then?", &o, &again, &err), MW_OK, err);
    CHECK(log.saw_completed);
    mw_response_free(again);

    /* Invalid options come back from the core's validation. */
    mw_wait_options bad = o;
    bad.backoff_factor = 0.5;
    EXPECT_ERR(mw_client_wait_for_response(c, cid, rid, &bad, &again, &err), MW_INVALID_ARGUMENT, "backoff_factor");
    bad = o;
    bad.deadline_ms = 0;
    EXPECT_ERR(mw_client_create_response_and_wait(c, cid, "x", &bad, &again, &err), MW_INVALID_ARGUMENT, "deadline");
    bad = o;
    bad.max_interval_ms = 1;
    EXPECT_ERR(mw_client_wait_for_response(c, cid, rid, &bad, &again, &err), MW_INVALID_ARGUMENT, "max_interval");

    /* NULL / bad UTF-8 arguments. */
    EXPECT_ERR(mw_client_create_response(c, NULL, "hi", &again, &err), MW_INVALID_ARGUMENT, "conversation_id");
    EXPECT_ERR(mw_client_create_response(c, cid, NULL, &again, &err), MW_INVALID_ARGUMENT, "text");
    EXPECT_ERR(mw_client_create_response(c, cid, BAD_UTF8, &again, &err), MW_INVALID_ARGUMENT, "text");
    EXPECT_ERR(mw_client_create_response(c, cid, "   ", &again, &err), MW_INVALID_ARGUMENT, "text");
    EXPECT_ERR(mw_client_create_response(c, cid, "hi", NULL, &err), MW_INVALID_ARGUMENT, "out_response");
    EXPECT_ERR(mw_client_get_response(c, cid, NULL, &again, &err), MW_INVALID_ARGUMENT, "response_id");
    EXPECT_ERR(mw_client_get_response(c, BAD_UTF8, rid, &again, &err), MW_INVALID_ARGUMENT, "conversation_id");
    EXPECT_ERR(mw_client_get_response(NULL, cid, rid, &again, &err), MW_INVALID_ARGUMENT, "client");
    EXPECT_ERR(mw_client_wait_for_response(c, cid, BAD_UTF8, &o, &again, &err), MW_INVALID_ARGUMENT, "response_id");
    EXPECT_ERR(mw_client_wait_for_response(c, NULL, rid, &o, &again, &err), MW_INVALID_ARGUMENT, "conversation_id");
    EXPECT_ERR(mw_client_create_response_and_wait(c, cid, BAD_UTF8, &o, &again, &err), MW_INVALID_ARGUMENT, "text");
    EXPECT_ERR(mw_client_create_response_and_wait(c, NULL, "x", &o, &again, &err), MW_INVALID_ARGUMENT, "conversation_id");

    /* Accessors on NULL. */
    CHECK(mw_response_id(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_response_get_status(done, NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_response_completed_at(done, NULL, &when) == MW_INVALID_ARGUMENT);
    CHECK(mw_response_completed_at(done, &present, NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_output_item_type(NULL, NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_message_text(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_content_text(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_citation_offset(NULL, NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_citation_has_offset(NULL, &present) == MW_INVALID_ARGUMENT);
    CHECK(mw_citation_id(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_citation_display_attribute_count(NULL, &n) == MW_INVALID_ARGUMENT);
    CHECK(mw_citation_display_attribute_key(NULL, 0, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_citation_display_attribute_value(NULL, 0, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_message_content_reference_count(NULL, &n) == MW_INVALID_ARGUMENT);
    CHECK(mw_message_content_reference_citation_id(NULL, 0, &s) == MW_INVALID_ARGUMENT);
    uint64_t u64 = 0;
    CHECK(mw_message_content_reference_offset(NULL, 0, &u64) == MW_INVALID_ARGUMENT);
    CHECK(mw_reasoning_message_id(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_event_id(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_event_page_count(NULL, &n) == MW_INVALID_ARGUMENT);

    mw_response_free(done);
    mw_response_free(created);
    mw_string_free(rid);
    mw_string_free(cid);
    mw_conversation_free(conv);
}

/* ---- unknown values and the events feed ------------------------------------------------------------- */

static void test_unknown_values_and_events(mw_client *c) {
    mw_error *err = NULL;
    sim_config("{\"response_duration_ms\": 200}");
    mw_conversation *conv = NULL;
    CHECK_STATUS(mw_client_create_conversation(c, "Unknowns", &conv, &err), MW_OK, err);
    char *cid = conversation_id_of(conv), *s = NULL;
    mw_wait_options o;
    mw_wait_options_init(&o);
    o.initial_interval_ms = 10;
    o.max_interval_ms = 30;
    update_log log = {0, 0, 0};
    o.on_update = on_update;
    o.user_data = &log;
    mw_response *r = NULL;
    CHECK_STATUS(mw_client_create_response_and_wait(c, cid, "[unknown] what is new?", &o, &r, &err), MW_OK, err);
    CHECK(log.saw_completed);
    size_t n = 0;
    CHECK(mw_response_output_count(r, &n) == MW_OK);
    int unknown_outputs = 0, unknown_contents = 0;
    for (size_t i = 0; i < n; i++) {
        const mw_output_item *item = NULL;
        mw_output_type t;
        mw_response_output(r, i, &item);
        mw_output_item_type(item, &t);
        if (t == MW_OUTPUT_UNKNOWN) {
            unknown_outputs++;
            CHECK(mw_output_item_type_name(item, &s) == MW_OK);
            CHECK_STR(s, "TOOL_CALL");
            mw_string_free(s);
            CHECK(mw_output_item_to_json(item, &s) == MW_OK && s && strstr(s, "\"tool_call\"") && strstr(s, "search_knowledge_base"));
            mw_string_free(s);
            const mw_message *m = (const mw_message *)1;
            CHECK(mw_output_item_message(item, &m) == MW_OK && m == NULL);
        } else if (t == MW_OUTPUT_REASONING_MESSAGE) {
            const mw_reasoning_message *rm = NULL;
            const mw_content *content = NULL;
            mw_output_item_reasoning_message(item, &rm);
            mw_reasoning_message_content(rm, &content);
            mw_content_type ct;
            if (mw_content_get_type(content, &ct) == MW_OK && ct == MW_CONTENT_UNKNOWN) {
                unknown_contents++;
                check_content(content, MW_CONTENT_UNKNOWN, "HTML_TEXT");
            }
        }
    }
    CHECK(unknown_outputs == 1 && unknown_contents >= 1);
    mw_response_free(r);

    /* A status this SDK does not know (the simulator sends THINKING only for a while, so
       the conversion is checked on the wire JSON itself, through the core's decoder). */
    r = NULL;
    CHECK_STATUS(mw_response_from_json("{\"response_id\":\"resp_1\",\"conversation_id\":\"conv_1\","
                                       "\"status\":\"THINKING\",\"created_at\":\"2025-01-01T00:00:00Z\","
                                       "\"outputs\":[{\"type\":\"MESSAGE\",\"message\":{\"message_id\":\"m\","
                                       "\"conversation_id\":\"conv_1\",\"response_id\":\"resp_1\",\"actor\":\"BOT\","
                                       "\"content\":{\"type\":\"PLAIN_TEXT\",\"plain_text\":{\"text\":\"hi\"}},"
                                       "\"created_at\":\"2025-01-01T00:00:00Z\"}}]}",
                                       &r, &err),
                 MW_OK, err);
    mw_response_status st;
    CHECK(mw_response_get_status(r, &st) == MW_OK && st == MW_RESPONSE_STATUS_UNKNOWN);
    CHECK(mw_response_status_name(r, &s) == MW_OK);
    CHECK_STR(s, "THINKING");
    mw_string_free(s);
    bool terminal = true;
    CHECK(mw_response_is_terminal(r, &terminal) == MW_OK && !terminal);
    int64_t created_ms = 0;
    CHECK(mw_response_created_at(r, &created_ms) == MW_OK && created_ms == 1735689600000LL);
    const mw_output_item *item = NULL;
    const mw_message *bot = NULL;
    mw_actor actor;
    CHECK(mw_response_output(r, 0, &item) == MW_OK && mw_output_item_message(item, &bot) == MW_OK && bot);
    CHECK(mw_message_actor(bot, &actor) == MW_OK && actor == MW_ACTOR_UNKNOWN);
    CHECK(mw_message_actor_name(bot, &s) == MW_OK);
    CHECK_STR(s, "BOT");
    mw_string_free(s);
    mw_response_free(r);

    /* Events: the feed holds only system-initiated messages (an answer is not an event),
       so it is empty until the simulator injects an asynchronous answer (a MESSAGE_EVENT)
       and a NOTIFICATION_EVENT this SDK does not know. */
    mw_event_page *page = NULL;
    CHECK_STATUS(mw_client_list_events(c, NULL, NULL, NULL, NULL, MW_LIMIT_DEFAULT, &page, &err), MW_OK, err);
    CHECK(mw_event_page_count(page, &n) == MW_OK && n == 0);
    mw_event_page_free(page);
    page = NULL;
    cJSON_Delete(sim_inject_event(cid, "Your request is done.", "async_response", NULL));
    cJSON_Delete(sim_inject_event(cid, "Heads up", "notification", "NOTIFICATION_EVENT"));
    CHECK_STATUS(mw_client_list_events(c, NULL, NULL, NULL, NULL, MW_LIMIT_DEFAULT, &page, &err), MW_OK, err);
    CHECK(mw_event_page_count(page, &n) == MW_OK && n == 2);
    const mw_event *ev = NULL;
    mw_event_type et;
    CHECK(mw_event_page_get(page, 0, &ev) == MW_OK && ev);
    char *first_id = NULL;
    CHECK(mw_event_id(ev, &first_id) == MW_OK && first_id && strncmp(first_id, "evt_", 4) == 0);
    CHECK(mw_event_conversation_id(ev, &s) == MW_OK);
    CHECK_STR(s, cid);
    mw_string_free(s);
    CHECK(mw_event_get_type(ev, &et) == MW_OK && et == MW_EVENT_MESSAGE);
    CHECK(mw_event_type_name(ev, &s) == MW_OK);
    CHECK_STR(s, "MESSAGE_EVENT");
    mw_string_free(s);
    const mw_message *m = NULL;
    CHECK(mw_event_message(ev, &m) == MW_OK && m);
    CHECK(mw_message_text(m, &s) == MW_OK);
    CHECK_STR(s, "Your request is done.");
    mw_string_free(s);
    /* An asynchronous answer is rateable: it offers both callback ids. */
    CHECK(mw_message_helpful_callback_id(m, &s) == MW_OK && s && *s);
    mw_string_free(s);
    CHECK(mw_message_unhelpful_callback_id(m, &s) == MW_OK && s && *s);
    mw_string_free(s);
    CHECK(mw_event_page_get(page, 1, &ev) == MW_OK);
    CHECK(mw_event_get_type(ev, &et) == MW_OK && et == MW_EVENT_UNKNOWN);
    CHECK(mw_event_type_name(ev, &s) == MW_OK);
    CHECK_STR(s, "NOTIFICATION_EVENT");
    mw_string_free(s);
    CHECK(mw_event_message(ev, &m) == MW_OK && m == NULL);
    CHECK(mw_event_to_json(ev, &s) == MW_OK && s && strstr(s, "NOTIFICATION_EVENT"));
    mw_event *ev_copy = NULL;
    CHECK_STATUS(mw_event_from_json(s, &ev_copy, &err), MW_OK, err);
    mw_string_free(s);
    CHECK(mw_event_get_type(ev_copy, &et) == MW_OK && et == MW_EVENT_UNKNOWN);
    mw_event_free(ev_copy);
    EXPECT_ERR(mw_event_from_json("{}", &ev_copy, &err), MW_DECODE, NULL);
    CHECK(mw_event_page_get(page, 2, &ev) == MW_INVALID_ARGUMENT);
    s = (char *)"sentinel";
    CHECK(mw_event_page_next_cursor(page, &s) == MW_OK && s == NULL);
    CHECK(mw_event_page_to_json(page, &s) == MW_OK);
    mw_event_page *page2 = NULL;
    CHECK_STATUS(mw_event_page_from_json(s, &page2, &err), MW_OK, err);
    mw_string_free(s);
    CHECK(mw_event_page_count(page2, &n) == MW_OK && n == 2);
    mw_event_page_free(page2);
    EXPECT_ERR(mw_event_page_from_json("{\"events\": 1}", &page2, &err), MW_DECODE, NULL);
    mw_event_page_free(page);

    /* Filters and the iterator (one event per page). */
    page = NULL;
    CHECK_STATUS(mw_client_list_events(c, cid, first_id, NULL, NULL, 1, &page, &err), MW_OK, err);
    CHECK(mw_event_page_count(page, &n) == MW_OK && n == 1);
    mw_event_page_free(page);
    page = NULL;
    CHECK_STATUS(mw_client_list_events(c, "-", NULL, first_id, NULL, MW_LIMIT_DEFAULT, &page, &err), MW_OK, err);
    CHECK(mw_event_page_count(page, &n) == MW_OK && n == 1);
    mw_event_page_free(page);
    mw_event_iter *it = NULL;
    CHECK_STATUS(mw_client_iter_events(c, NULL, NULL, NULL, NULL, 1, &it, &err), MW_OK, err);
    int count = 0;
    for (;;) {
        mw_event *e = NULL;
        CHECK_STATUS(mw_event_iter_next(it, &e, &err), MW_OK, err);
        if (!e) break;
        count++;
        mw_event_free(e);
    }
    CHECK(count == 2);
    mw_event_iter_free(it);
    it = NULL;
    CHECK_STATUS(mw_client_iter_events(c, cid, NULL, NULL, NULL, 1, &it, &err), MW_OK, err);
    int pages = 0;
    for (;;) {
        mw_event_page *p = NULL;
        CHECK_STATUS(mw_event_iter_next_page(it, &p, &err), MW_OK, err);
        if (!p) break;
        pages++;
        mw_event_page_free(p);
    }
    CHECK(pages == 2);
    mw_event_iter_free(it);

    EXPECT_ERR(mw_client_list_events(c, BAD_UTF8, NULL, NULL, NULL, 5, &page, &err), MW_INVALID_ARGUMENT, "conversation_id");
    EXPECT_ERR(mw_client_list_events(c, NULL, BAD_UTF8, NULL, NULL, 5, &page, &err), MW_INVALID_ARGUMENT, "starting_after");
    EXPECT_ERR(mw_client_list_events(c, NULL, NULL, "a/b", NULL, 5, &page, &err), MW_INVALID_ARGUMENT, "ending_at");
    EXPECT_ERR(mw_client_list_events(c, NULL, NULL, NULL, BAD_UTF8, 5, &page, &err), MW_INVALID_ARGUMENT, "cursor");
    EXPECT_ERR(mw_client_list_events(c, NULL, NULL, NULL, NULL, 0, &page, &err), MW_INVALID_ARGUMENT, "limit");
    EXPECT_ERR(mw_client_list_events(NULL, NULL, NULL, NULL, NULL, 5, &page, &err), MW_INVALID_ARGUMENT, "client");
    EXPECT_ERR(mw_client_iter_events(c, NULL, NULL, BAD_UTF8, NULL, 5, &it, &err), MW_INVALID_ARGUMENT, "ending_at");
    EXPECT_ERR(mw_client_iter_events(c, NULL, NULL, NULL, NULL, 5, NULL, &err), MW_INVALID_ARGUMENT, "out_iter");
    mw_event *e = NULL;
    EXPECT_ERR(mw_event_iter_next(NULL, &e, &err), MW_INVALID_ARGUMENT, "iter");
    EXPECT_ERR(mw_event_iter_next_page(NULL, &page, &err), MW_INVALID_ARGUMENT, "iter");

    mw_string_free(first_id);
    mw_string_free(cid);
    mw_conversation_free(conv);
}

/* ---- messages, feedback, request ids ----------------------------------------------------------------- */

/* The root_uuid the simulator logged for the newest request with this method whose path
   ends with `path_suffix` (a new string the caller frees, or NULL). */
static char *sim_root_uuid(const char *method, const char *path_suffix) {
    char *body = NULL, *found = NULL;
    if (sim_http("GET", "/_sim/requests", NULL, &body) != 200 || !body) {
        free(body);
        return NULL;
    }
    cJSON *log = cJSON_Parse(body);
    free(body);
    cJSON *e;
    cJSON_ArrayForEach(e, log) {
        cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "method"), *p = cJSON_GetObjectItemCaseSensitive(e, "path");
        cJSON *u = cJSON_GetObjectItemCaseSensitive(e, "root_uuid");
        if (!cJSON_IsString(m) || strcmp(m->valuestring, method) != 0 || !cJSON_IsString(p) || !cJSON_IsString(u))
            continue;
        size_t n = strlen(p->valuestring), k = strlen(path_suffix);
        if (n < k || strcmp(p->valuestring + n - k, path_suffix) != 0) continue;
        free(found);
        found = strdup(u->valuestring);
    }
    cJSON_Delete(log);
    return found;
}

/* Checks that a request id read by `getter` equals the root_uuid logged for the newest
   `method` request whose path ends with `path_suffix`. */
#define CHECK_REQUEST_ID(getter, handle, method, path_suffix)                     \
    do {                                                                          \
        char *got_ = NULL, *want_ = sim_root_uuid(method, path_suffix);           \
        CHECK(getter(handle, &got_) == MW_OK && want_ != NULL);                   \
        CHECK_STR(got_, want_);                                                   \
        mw_string_free(got_);                                                     \
        free(want_);                                                              \
    } while (0)

static char *message_string(const mw_message *m, mw_status (*getter)(const mw_message *, char **)) {
    char *s = NULL;
    CHECK(getter(m, &s) == MW_OK);
    return s;
}

/* Reads a conversation's messages through a fresh iterator (limit 1: one page per message). */
static int iterated_message_ids(mw_client *c, const char *cid, const char *rid, char **ids, int max) {
    mw_error *err = NULL;
    mw_message_iter *it = NULL;
    if (rid)
        CHECK_STATUS(mw_client_iter_response_messages(c, cid, rid, NULL, 1, &it, &err), MW_OK, err);
    else
        CHECK_STATUS(mw_client_iter_messages(c, cid, NULL, 1, &it, &err), MW_OK, err);
    int n = 0;
    for (;;) {
        mw_message *m = NULL;
        CHECK_STATUS(mw_message_iter_next(it, &m, &err), MW_OK, err);
        if (!m) break;
        if (n < max) ids[n] = message_string(m, mw_message_id); /* mw_string_free */
        n++;
        mw_message_free(m);
    }
    mw_message_iter_free(it);
    return n;
}

static int feedback_count(void) {
    char *body = NULL;
    int n = -1;
    if (sim_http("GET", "/_sim/feedback", NULL, &body) == 200 && body) {
        cJSON *list = cJSON_Parse(body);
        n = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : -1;
        cJSON_Delete(list);
    }
    free(body);
    return n;
}

static void test_messages_and_feedback(mw_client *c) {
    mw_error *err = NULL;
    char *s = NULL;
    size_t n = 0;
    sim_config("{\"response_duration_ms\": 60}");
    mw_conversation *conv = NULL;
    CHECK_STATUS(mw_client_create_conversation(c, "Messages", &conv, &err), MW_OK, err);
    CHECK_REQUEST_ID(mw_conversation_request_id, conv, "POST", "/conversations");
    char *cid = conversation_id_of(conv);
    char convs_suffix[128], messages_suffix[128];
    snprintf(convs_suffix, sizeof convs_suffix, "/conversations/%s", cid);
    snprintf(messages_suffix, sizeof messages_suffix, "/conversations/%s/messages", cid);
    mw_wait_options o;
    mw_wait_options_init(&o);
    o.initial_interval_ms = 10;
    o.max_interval_ms = 30;
    mw_response *r1 = NULL, *r2 = NULL;
    CHECK_STATUS(mw_client_create_response_and_wait(c, cid, "first question", &o, &r1, &err), MW_OK, err);
    char *rid1 = NULL, *rid2 = NULL;
    mw_response_id(r1, &rid1);
    char response_suffix[160];
    snprintf(response_suffix, sizeof response_suffix, "/responses/%s", rid1);
    /* The waited response is the last poll's answer. */
    CHECK_REQUEST_ID(mw_response_request_id, r1, "GET", response_suffix);
    CHECK_STATUS(mw_client_create_response_and_wait(c, cid, "second question", &o, &r2, &err), MW_OK, err);
    mw_response_id(r2, &rid2);

    /* Every message, newest first: r2's answer, r2's question, r1's answer, r1's question. */
    mw_message_page *page = NULL;
    CHECK_STATUS(mw_client_list_messages(c, cid, NULL, MW_LIMIT_DEFAULT, &page, &err), MW_OK, err);
    CHECK_REQUEST_ID(mw_message_page_request_id, page, "GET", messages_suffix);
    CHECK(mw_message_page_count(page, &n) == MW_OK && n == 4);
    const char *want_rid[] = {rid2, rid2, rid1, rid1};
    const mw_actor want_actor[] = {MW_ACTOR_ASSISTANT, MW_ACTOR_USER, MW_ACTOR_ASSISTANT, MW_ACTOR_USER};
    char *ids[4] = {NULL, NULL, NULL, NULL};
    for (size_t i = 0; i < 4 && i < n; i++) {
        const mw_message *m = NULL;
        mw_actor actor;
        CHECK(mw_message_page_get(page, i, &m) == MW_OK && m);
        CHECK(mw_message_actor(m, &actor) == MW_OK && actor == want_actor[i]);
        s = message_string(m, mw_message_response_id);
        CHECK_STR(s, want_rid[i]);
        mw_string_free(s);
        ids[i] = message_string(m, mw_message_id);
        /* Only the assistant's messages are rateable. */
        char *helpful = message_string(m, mw_message_helpful_callback_id);
        char *unhelpful = message_string(m, mw_message_unhelpful_callback_id);
        if (actor == MW_ACTOR_ASSISTANT) {
            CHECK(helpful && unhelpful && *helpful && strcmp(helpful, unhelpful) != 0);
        } else {
            CHECK(helpful == NULL && unhelpful == NULL);
        }
        mw_string_free(helpful);
        mw_string_free(unhelpful);
    }
    const mw_message *m = NULL;
    CHECK(mw_message_page_get(page, 4, &m) == MW_INVALID_ARGUMENT);
    s = (char *)"sentinel";
    CHECK(mw_message_page_next_cursor(page, &s) == MW_OK && s == NULL);
    CHECK(mw_message_page_to_json(page, &s) == MW_OK && s && strstr(s, "\"feedback\"") && strstr(s, "\"callback_id\""));
    mw_message_page *copy = NULL;
    CHECK_STATUS(mw_message_page_from_json(s, &copy, &err), MW_OK, err);
    mw_string_free(s);
    CHECK(mw_message_page_count(copy, &n) == MW_OK && n == 4);
    s = (char *)"sentinel";
    CHECK(mw_message_page_request_id(copy, &s) == MW_OK && s == NULL); /* not from an HTTP answer */
    mw_message_page_free(copy);
    EXPECT_ERR(mw_message_page_from_json("{\"messages\": 1}", &copy, &err), MW_DECODE, NULL);
    mw_message_page_free(page);

    /* Paging by cursor, limit 1. */
    page = NULL;
    CHECK_STATUS(mw_client_list_messages(c, cid, NULL, 1, &page, &err), MW_OK, err);
    char *cursor = NULL;
    CHECK(mw_message_page_next_cursor(page, &cursor) == MW_OK && cursor != NULL);
    CHECK(mw_message_page_get(page, 0, &m) == MW_OK);
    s = message_string(m, mw_message_id);
    CHECK_STR(s, ids[0]);
    mw_string_free(s);
    mw_message_page_free(page);
    page = NULL;
    CHECK_STATUS(mw_client_list_messages(c, cid, cursor, 1, &page, &err), MW_OK, err);
    CHECK(mw_message_page_get(page, 0, &m) == MW_OK);
    s = message_string(m, mw_message_id);
    CHECK_STR(s, ids[1]);
    mw_string_free(s);
    mw_string_free(cursor);
    mw_message_page_free(page);

    /* The iterator follows the cursors: the same four, in the same order. */
    char *iterated[4] = {NULL, NULL, NULL, NULL};
    CHECK(iterated_message_ids(c, cid, NULL, iterated, 4) == 4);
    for (int i = 0; i < 4; i++) {
        CHECK_STR(iterated[i], ids[i]);
        mw_string_free(iterated[i]);
    }
    /* Whole pages (3, then 1), each with its own answer's request id. */
    mw_message_iter *it = NULL;
    CHECK_STATUS(mw_client_iter_messages(c, cid, NULL, 3, &it, &err), MW_OK, err);
    size_t sizes[3] = {0, 0, 0};
    int pages = 0;
    for (;;) {
        mw_message_page *p = NULL;
        CHECK_STATUS(mw_message_iter_next_page(it, &p, &err), MW_OK, err);
        if (!p) break;
        if (pages < 3) mw_message_page_count(p, &sizes[pages]);
        CHECK_REQUEST_ID(mw_message_page_request_id, p, "GET", messages_suffix);
        pages++;
        mw_message_page_free(p);
    }
    CHECK(pages == 2 && sizes[0] == 3 && sizes[1] == 1);
    mw_message_iter_free(it);

    /* One response's messages: its answer, then its question. */
    char rmessages_suffix[200];
    snprintf(rmessages_suffix, sizeof rmessages_suffix, "/responses/%s/messages", rid1);
    page = NULL;
    CHECK_STATUS(mw_client_list_response_messages(c, cid, rid1, NULL, MW_LIMIT_DEFAULT, &page, &err), MW_OK, err);
    CHECK_REQUEST_ID(mw_message_page_request_id, page, "GET", rmessages_suffix);
    CHECK(mw_message_page_count(page, &n) == MW_OK && n == 2);
    for (size_t i = 0; i < 2 && i < n; i++) {
        CHECK(mw_message_page_get(page, i, &m) == MW_OK);
        s = message_string(m, mw_message_id);
        CHECK_STR(s, ids[2 + i]);
        mw_string_free(s);
    }
    CHECK(mw_message_page_get(page, 1, &m) == MW_OK);
    CHECK(mw_message_text(m, &s) == MW_OK);
    CHECK_STR(s, "first question");
    mw_string_free(s);
    mw_message_page_free(page);
    CHECK(iterated_message_ids(c, cid, rid1, iterated, 4) == 2);
    CHECK_STR(iterated[0], ids[2]);
    CHECK_STR(iterated[1], ids[3]);
    mw_string_free(iterated[0]);
    mw_string_free(iterated[1]);
    EXPECT_ERR(mw_client_list_response_messages(c, cid, "resp_doesNotExist", NULL, MW_LIMIT_DEFAULT, &page, &err),
               MW_NOT_FOUND, NULL);

    /* Feedback with the callback id of a listed message: the simulator records it. */
    page = NULL;
    CHECK_STATUS(mw_client_list_messages(c, cid, NULL, MW_LIMIT_DEFAULT, &page, &err), MW_OK, err);
    const mw_message *answer1 = NULL, *answer2 = NULL;
    mw_message_page_get(page, 0, &answer2);
    mw_message_page_get(page, 2, &answer1);
    char *helpful1 = message_string(answer1, mw_message_helpful_callback_id);
    char *unhelpful1 = message_string(answer1, mw_message_unhelpful_callback_id);
    char *helpful2 = message_string(answer2, mw_message_helpful_callback_id);
    const char *note = "Clear and correct \xe2\x80\x94 merci \xe2\x9c\x93";
    mw_feedback_result *result = NULL;
    CHECK_STATUS(mw_client_submit_feedback(c, cid, rid1, ids[2], helpful1, note, &result, &err), MW_OK, err);
    mw_feedback_status fs = MW_FEEDBACK_STATUS_UNKNOWN;
    CHECK(mw_feedback_result_get_status(result, &fs) == MW_OK && fs == MW_FEEDBACK_STATUS_SUBMITTED);
    CHECK(mw_feedback_result_status_name(result, &s) == MW_OK);
    CHECK_STR(s, "SUBMITTED");
    mw_string_free(s);
    CHECK(mw_feedback_result_to_json(result, &s) == MW_OK);
    CHECK_STR(s, "{\"status\":\"SUBMITTED\"}");
    mw_string_free(s);
    CHECK_REQUEST_ID(mw_feedback_result_request_id, result, "POST", "/feedback");
    mw_feedback_result_free(result);
    char *body = NULL;
    CHECK(sim_http("GET", "/_sim/feedback", NULL, &body) == 200);
    cJSON *accepted = cJSON_Parse(body);
    free(body);
    cJSON *entry = cJSON_GetArrayItem(accepted, 0);
    CHECK(cJSON_GetArraySize(accepted) == 1);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "callback_id")), helpful1);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "message_id")), ids[2]);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "rating")), "helpful");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "additional_feedback")), note);
    cJSON_Delete(accepted);

    /* Another message's callback id: the server's 400, sent once (POSTs are not retried). */
    mw_error *e400 = NULL;
    CHECK_STATUS(mw_client_submit_feedback(c, cid, rid1, ids[2], helpful2, NULL, &result, &e400), MW_BAD_REQUEST, e400);
    if (e400) {
        CHECK(mw_error_http_status(e400) == 400);
        CHECK_STR(mw_error_code(e400), "INVALID_REQUEST"); /* the published code for a bad callback id */
        CHECK(mw_status_is_a(mw_error_kind(e400), MW_API_STATUS) && !mw_status_is_a(mw_error_kind(e400), MW_INVALID_ARGUMENT));
        char *want = sim_root_uuid("POST", "/feedback");
        CHECK_STR(mw_error_request_id(e400), want);
        free(want);
    }
    mw_error_free(e400);
    CHECK(feedback_count() == 1);
    CHECK(sim_count_requests("POST", "/feedback") == 2);

    /* additional_feedback: 1,000 characters (2,000 bytes) are sent; 1,001 are refused
       before anything is sent, as is an empty callback id. */
    char long_note[2 * 1001 + 1];
    for (int i = 0; i < 1001; i++) memcpy(long_note + 2 * i, "\xc3\xa9", 2);
    long_note[2 * 1001] = 0;
    EXPECT_ERR(mw_client_submit_feedback(c, cid, rid1, ids[2], unhelpful1, long_note, &result, &err),
               MW_INVALID_ARGUMENT, "additional_feedback");
    EXPECT_ERR(mw_client_submit_feedback(c, cid, rid1, ids[2], "", NULL, &result, &err), MW_INVALID_ARGUMENT,
               "callback_id");
    CHECK(sim_count_requests("POST", "/feedback") == 2);
    long_note[2 * 1000] = 0;
    result = NULL;
    CHECK_STATUS(mw_client_submit_feedback(c, cid, rid1, ids[2], unhelpful1, long_note, &result, &err), MW_OK, err);
    mw_feedback_result_free(result);
    CHECK(feedback_count() == 2);

    /* A status this SDK does not know is kept verbatim. */
    result = NULL;
    CHECK_STATUS(mw_feedback_result_from_json("{\"status\":\"QUEUED\"}", &result, &err), MW_OK, err);
    CHECK(mw_feedback_result_get_status(result, &fs) == MW_OK && fs == MW_FEEDBACK_STATUS_UNKNOWN);
    CHECK(mw_feedback_result_status_name(result, &s) == MW_OK);
    CHECK_STR(s, "QUEUED");
    mw_string_free(s);
    s = (char *)"sentinel";
    CHECK(mw_feedback_result_request_id(result, &s) == MW_OK && s == NULL);
    mw_feedback_result_free(result);
    EXPECT_ERR(mw_feedback_result_from_json("{}", &result, &err), MW_DECODE, NULL);

    /* Request ids of the other returned objects: a fetched conversation, a listed page (its
       conversations carry none of their own: the page's is the answer's), an events page. */
    mw_conversation *fetched = NULL;
    CHECK_STATUS(mw_client_get_conversation(c, cid, &fetched, &err), MW_OK, err);
    CHECK_REQUEST_ID(mw_conversation_request_id, fetched, "GET", convs_suffix);
    mw_conversation_free(fetched);
    mw_conversation_page *cpage = NULL;
    CHECK_STATUS(mw_client_list_conversations(c, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &cpage, &err), MW_OK, err);
    CHECK_REQUEST_ID(mw_conversation_page_request_id, cpage, "GET", "/conversations");
    const mw_conversation *listed = NULL;
    CHECK(mw_conversation_page_get(cpage, 0, &listed) == MW_OK);
    s = (char *)"sentinel";
    CHECK(mw_conversation_request_id(listed, &s) == MW_OK && s == NULL);
    mw_conversation_page_free(cpage);
    mw_event_page *epage = NULL;
    CHECK_STATUS(mw_client_list_events(c, cid, NULL, NULL, NULL, MW_LIMIT_DEFAULT, &epage, &err), MW_OK, err);
    char events_suffix[128];
    snprintf(events_suffix, sizeof events_suffix, "/conversations/%s/events", cid);
    CHECK_REQUEST_ID(mw_event_page_request_id, epage, "GET", events_suffix);
    mw_event_page_free(epage);
    mw_response *got = NULL;
    CHECK_STATUS(mw_client_get_response(c, cid, rid2, &got, &err), MW_OK, err);
    snprintf(response_suffix, sizeof response_suffix, "/responses/%s", rid2);
    CHECK_REQUEST_ID(mw_response_request_id, got, "GET", response_suffix);
    mw_response_free(got);

    /* NULL and non-UTF-8 arguments name the argument; nothing is sent. */
    int before = sim_count_requests(NULL, "/rest/");
    EXPECT_ERR(mw_client_list_messages(NULL, cid, NULL, 5, &page, &err), MW_INVALID_ARGUMENT, "client");
    EXPECT_ERR(mw_client_list_messages(c, NULL, NULL, 5, &page, &err), MW_INVALID_ARGUMENT, "conversation_id");
    EXPECT_ERR(mw_client_list_messages(c, BAD_UTF8, NULL, 5, &page, &err), MW_INVALID_ARGUMENT, "conversation_id");
    EXPECT_ERR(mw_client_list_messages(c, cid, BAD_UTF8, 5, &page, &err), MW_INVALID_ARGUMENT, "cursor");
    EXPECT_ERR(mw_client_list_messages(c, cid, NULL, 101, &page, &err), MW_INVALID_ARGUMENT, "limit");
    EXPECT_ERR(mw_client_list_messages(c, cid, NULL, 5, NULL, &err), MW_INVALID_ARGUMENT, "out_page");
    EXPECT_ERR(mw_client_iter_messages(c, BAD_UTF8, NULL, 5, &it, &err), MW_INVALID_ARGUMENT, "conversation_id");
    EXPECT_ERR(mw_client_iter_messages(c, cid, NULL, 5, NULL, &err), MW_INVALID_ARGUMENT, "out_iter");
    EXPECT_ERR(mw_client_list_response_messages(c, cid, NULL, NULL, 5, &page, &err), MW_INVALID_ARGUMENT, "response_id");
    EXPECT_ERR(mw_client_list_response_messages(c, cid, BAD_UTF8, NULL, 5, &page, &err), MW_INVALID_ARGUMENT,
               "response_id");
    EXPECT_ERR(mw_client_list_response_messages(c, cid, "resp/1", NULL, 5, &page, &err), MW_INVALID_ARGUMENT,
               "response_id");
    EXPECT_ERR(mw_client_iter_response_messages(c, cid, rid1, BAD_UTF8, 5, &it, &err), MW_INVALID_ARGUMENT, "cursor");
    EXPECT_ERR(mw_client_iter_response_messages(c, NULL, rid1, NULL, 5, &it, &err), MW_INVALID_ARGUMENT,
               "conversation_id");
    EXPECT_ERR(mw_client_submit_feedback(c, cid, rid1, NULL, helpful1, NULL, &result, &err), MW_INVALID_ARGUMENT,
               "message_id");
    EXPECT_ERR(mw_client_submit_feedback(c, cid, rid1, ids[2], NULL, NULL, &result, &err), MW_INVALID_ARGUMENT,
               "callback_id");
    EXPECT_ERR(mw_client_submit_feedback(c, cid, rid1, ids[2], BAD_UTF8, NULL, &result, &err), MW_INVALID_ARGUMENT,
               "callback_id");
    EXPECT_ERR(mw_client_submit_feedback(c, cid, rid1, ids[2], helpful1, BAD_UTF8, &result, &err),
               MW_INVALID_ARGUMENT, "additional_feedback");
    EXPECT_ERR(mw_client_submit_feedback(c, BAD_UTF8, rid1, ids[2], helpful1, NULL, &result, &err),
               MW_INVALID_ARGUMENT, "conversation_id");
    EXPECT_ERR(mw_client_submit_feedback(c, cid, BAD_UTF8, ids[2], helpful1, NULL, &result, &err), MW_INVALID_ARGUMENT,
               "response_id");
    EXPECT_ERR(mw_client_submit_feedback(c, cid, rid1, ids[2], helpful1, NULL, NULL, &err), MW_INVALID_ARGUMENT,
               "out_result");
    CHECK(sim_count_requests(NULL, "/rest/") == before);
    mw_message *owned = NULL;
    EXPECT_ERR(mw_message_iter_next(NULL, &owned, &err), MW_INVALID_ARGUMENT, "iter");
    EXPECT_ERR(mw_message_iter_next_page(NULL, &page, &err), MW_INVALID_ARGUMENT, "iter");
    CHECK(mw_message_helpful_callback_id(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_message_unhelpful_callback_id(answer1, NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_message_page_count(NULL, &n) == MW_INVALID_ARGUMENT);
    CHECK(mw_feedback_result_get_status(NULL, &fs) == MW_INVALID_ARGUMENT);
    CHECK(mw_conversation_request_id(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_response_request_id(r1, NULL) == MW_INVALID_ARGUMENT);
    mw_message_iter_free(NULL);
    mw_message_free(NULL);
    mw_message_page_free(NULL);
    mw_feedback_result_free(NULL);

    mw_message_page_free(page);
    mw_string_free(helpful1);
    mw_string_free(unhelpful1);
    mw_string_free(helpful2);
    for (int i = 0; i < 4; i++) mw_string_free(ids[i]);
    mw_string_free(rid1);
    mw_string_free(rid2);
    mw_response_free(r1);
    mw_response_free(r2);
    mw_string_free(cid);
    mw_conversation_free(conv);
}

/* ---- every error status from the server side ---------------------------------------------------------- */

static void test_statuses(mw_client *c) {
    mw_conversation *conv = NULL;
    mw_conversation_page *page = NULL;
    mw_error *err = NULL;

    /* not_found, with the request id to quote to support. */
    CHECK_STATUS(mw_client_get_conversation(c, "conv_missing", &conv, &err), MW_NOT_FOUND, err);
    CHECK(mw_error_http_status(err) == 404);
    CHECK_STR(mw_error_code(err), "NOT_FOUND");
    CHECK(mw_error_request_id(err) != NULL && mw_error_request_id(err)[0] != 0);
    CHECK(mw_error_is_transient(err) == false);
    CHECK(mw_error_retry_after_ms(err) == -1);
    CHECK(mw_error_argument(err) == NULL && mw_error_response(err) == NULL && mw_error_body_excerpt(err) == NULL);
    mw_error_free(err);
    err = NULL;

    /* bad_request */
    EXPECT_ERR(mw_client_list_conversations(c, "not-a-cursor", MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &page, &err), MW_BAD_REQUEST, NULL);

    /* rate_limit after retries, with the server's retry-after. */
    sim_fault("{\"kind\":\"status\",\"status\":429,\"count\":3,\"method\":\"GET\",\"retry_after_ms\":5}");
    CHECK_STATUS(mw_client_list_conversations(c, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &page, &err), MW_RATE_LIMIT, err);
    CHECK(mw_error_http_status(err) == 429);
    CHECK(mw_error_retry_after_ms(err) == 5);
    CHECK(mw_error_is_transient(err));
    mw_error_free(err);
    err = NULL;

    mw_client *once = client_with(0, 0, NULL, NULL);
    /* internal_server */
    sim_fault("{\"kind\":\"status\",\"status\":503,\"method\":\"GET\"}");
    EXPECT_ERR(mw_client_list_conversations(once, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &page, &err), MW_INTERNAL_SERVER, NULL);
    /* api_status: a status with no kind of its own. */
    sim_fault("{\"kind\":\"status\",\"status\":418,\"method\":\"GET\"}");
    CHECK_STATUS(mw_client_list_conversations(once, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &page, &err), MW_API_STATUS, err);
    CHECK(mw_error_http_status(err) == 418);
    mw_error_free(err);
    err = NULL;
    /* decode, with an excerpt of the body. */
    sim_fault("{\"kind\":\"malformed_json\",\"method\":\"GET\"}");
    CHECK_STATUS(mw_client_list_conversations(once, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &page, &err), MW_DECODE, err);
    CHECK(mw_error_body_excerpt(err) != NULL && strstr(mw_error_body_excerpt(err), "conversations"));
    mw_error_free(err);
    err = NULL;
    /* connection: the server closes without answering. */
    sim_fault("{\"kind\":\"reset\",\"method\":\"GET\"}");
    EXPECT_ERR(mw_client_list_conversations(once, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &page, &err), MW_CONNECTION, NULL);
    mw_client_free(once);

    /* timeout: the answer comes after the attempt's timeout. */
    mw_client *impatient = client_with(0, 300, NULL, NULL);
    sim_fault("{\"kind\":\"delay\",\"ms\":3000,\"method\":\"GET\"}");
    EXPECT_ERR(mw_client_list_conversations(impatient, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &page, &err), MW_TIMEOUT, NULL);
    mw_client_free(impatient);

    /* authentication, permission_denied */
    mw_client *bad_token = client_with(0, 0, "not-a-valid-token", NULL);
    CHECK_STATUS(mw_client_list_conversations(bad_token, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &page, &err), MW_AUTHENTICATION, err);
    CHECK_STR(mw_error_code(err), "UNAUTHORIZED");
    mw_error_free(err);
    err = NULL;
    mw_client_free(bad_token);
    mw_client *stranger = client_with(0, 0, NULL, "someone-else");
    CHECK_STATUS(mw_client_get_conversation(stranger, "conv_any", &conv, &err), MW_PERMISSION_DENIED, err);
    CHECK_STR(mw_error_code(err), "FORBIDDEN");
    mw_error_free(err);
    err = NULL;
    mw_client_free(stranger);

    /* oauth: the token endpoint refuses the secret. */
    mw_client_builder *b = NULL;
    mw_client *oauth = NULL;
    mw_client_builder_new(&b);
    mw_client_builder_base_url(b, g_sim.base_url);
    mw_client_builder_assistant_name(b, g_sim.assistant_name);
    mw_client_builder_client_credentials(b, g_sim.client_id, "wrong-secret");
    mw_client_builder_token_url(b, g_sim.token_url);
    mw_client_builder_max_retries(b, 0);
    CHECK(mw_client_builder_build(b, &oauth, NULL) == MW_OK);
    CHECK_STATUS(mw_client_list_conversations(oauth, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &page, &err), MW_OAUTH, err);
    CHECK(mw_error_http_status(err) == 401);
    mw_error_free(err);
    err = NULL;
    mw_client_free(oauth);
    mw_client_builder_free(b);

    /* response_failed and poll_timeout carry the response. */
    sim_config("{\"response_duration_ms\": 100}");
    mw_conversation *owner = NULL;
    CHECK_STATUS(mw_client_create_conversation(c, "Failures", &owner, &err), MW_OK, err);
    char *cid = conversation_id_of(owner);
    mw_wait_options o;
    mw_wait_options_init(&o);
    o.initial_interval_ms = 20;
    o.max_interval_ms = 50;
    o.deadline_ms = 20000;
    mw_response *r = NULL;
    CHECK_STATUS(mw_client_create_response_and_wait(c, cid, "[fail] please break", &o, &r, &err), MW_RESPONSE_FAILED, err);
    CHECK(r == NULL);
    CHECK(mw_error_response_id(err) != NULL && strncmp(mw_error_response_id(err), "resp_", 5) == 0);
    CHECK_STR(mw_error_last_status(err), "FAILED");
    const mw_response *last = mw_error_response(err);
    mw_response_status st;
    CHECK(last != NULL && mw_response_get_status(last, &st) == MW_OK && st == MW_RESPONSE_STATUS_FAILED);
    mw_error_free(err);
    err = NULL;

    sim_config("{\"response_duration_ms\": 60000}");
    o.deadline_ms = 300;
    CHECK_STATUS(mw_client_create_response_and_wait(c, cid, "slow question", &o, &r, &err), MW_POLL_TIMEOUT, err);
    CHECK(mw_error_response_id(err) != NULL);
    CHECK(mw_error_last_status(err) != NULL && strcmp(mw_error_last_status(err), "COMPLETED") != 0);
    mw_error_free(err);
    err = NULL;

    /* cancelled by the update callback. */
    update_log log = {0, 0, 1};
    o.deadline_ms = 60000;
    o.on_update = on_update;
    o.user_data = &log;
    CHECK_STATUS(mw_client_create_response_and_wait(c, cid, "stop me", &o, &r, &err), MW_CANCELLED, err);
    CHECK(log.calls == 1);
    mw_error_free(err);
    err = NULL;

    /* cancelled by a token cancelled beforehand. */
    mw_cancel_token *token = NULL;
    CHECK(mw_cancel_token_new(&token) == MW_OK);
    bool cancelled = true;
    CHECK(mw_cancel_token_is_cancelled(token, &cancelled) == MW_OK && !cancelled);
    CHECK(mw_cancel_token_cancel(token) == MW_OK);
    CHECK(mw_cancel_token_cancel(token) == MW_OK);
    CHECK(mw_cancel_token_is_cancelled(token, &cancelled) == MW_OK && cancelled);
    o.on_update = NULL;
    o.cancel = token;
    EXPECT_ERR(mw_client_create_response_and_wait(c, cid, "never mind", &o, &r, &err), MW_CANCELLED, NULL);
    mw_cancel_token_free(token);
    CHECK(mw_cancel_token_new(NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_cancel_token_cancel(NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_cancel_token_is_cancelled(NULL, &cancelled) == MW_INVALID_ARGUMENT);

    sim_config("{\"response_duration_ms\": 100}");
    mw_string_free(cid);
    mw_conversation_free(owner);
}

/* ---- cancel from another thread ------------------------------------------------------------------------------ */

static void *cancel_later(void *token) {
    sleep_ms(300);
    mw_cancel_token_cancel((const mw_cancel_token *)token);
    return NULL;
}

static void test_cancel_from_thread(mw_client *c) {
    mw_error *err = NULL;
    sim_config("{\"response_duration_ms\": 60000}");
    mw_conversation *conv = NULL;
    CHECK_STATUS(mw_client_create_conversation(c, "Cancel", &conv, &err), MW_OK, err);
    char *cid = conversation_id_of(conv);
    mw_cancel_token *token = NULL;
    mw_cancel_token_new(&token);
    mw_wait_options o;
    mw_wait_options_init(&o);
    o.initial_interval_ms = 1000; /* long sleeps: the cancel must wake them */
    o.max_interval_ms = 1000;
    o.deadline_ms = 120000;
    o.cancel = token;
    pthread_t th;
    CHECK(pthread_create(&th, NULL, cancel_later, token) == 0);
    mw_response *r = NULL;
    CHECK_STATUS(mw_client_create_response_and_wait(c, cid, "slow question", &o, &r, &err), MW_CANCELLED, err);
    CHECK(r == NULL);
    CHECK_STR(mw_error_kind_name(err), "cancelled");
    mw_error_free(err);
    pthread_join(th, NULL);
    mw_cancel_token_free(token);
    sim_config("{\"response_duration_ms\": 100}");
    mw_string_free(cid);
    mw_conversation_free(conv);
}

/* ---- streamed turns ------------------------------------------------------------------------------------------------- */

/* A new conversation's id (owned). */
static char *new_conversation(mw_client *c, const char *title) {
    mw_error *err = NULL;
    mw_conversation *conv = NULL;
    CHECK_STATUS(mw_client_create_conversation(c, title, &conv, &err), MW_OK, err);
    mw_error_free(err);
    char *cid = conv ? conversation_id_of(conv) : NULL;
    mw_conversation_free(conv);
    return cid;
}

/* The wire JSON of a response (owned). */
static char *response_json(const mw_response *r) {
    char *json = NULL;
    CHECK(mw_response_to_json(r, &json) == MW_OK);
    return json;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The number of open file descriptors of this process. */
static int open_fds(void) {
    int n = 0;
    for (int fd = 0; fd < 4096; fd++)
        if (fcntl(fd, F_GETFD) != -1) n++;
    return n;
}

/* A whole streamed turn: events in order, every accessor, the final response equal to get_response. */
static void test_stream_events(mw_client *c) {
    sim_config("{\"response_duration_ms\": 200}");
    char *cid = new_conversation(c, "Stream");
    mw_error *err = NULL;
    mw_stream_options o;
    CHECK(mw_stream_options_init(&o) == MW_OK);
    CHECK(o.idle_timeout_ms == 30000);
    CHECK(o.wait.deadline_ms == 120000 && o.wait.cancel == NULL && o.wait.on_update == NULL);
    mw_stream *stream = NULL;
    CHECK_STATUS(mw_client_stream_response(c, cid, "Who does John Doe report to?", &o, &stream, &err), MW_OK, err);
    CHECK(stream != NULL);
    char *request_id = NULL, *response_id = NULL;
    CHECK(mw_stream_request_id(stream, &request_id) == MW_OK && request_id && request_id[0]);
    const mw_response *final = NULL;
    CHECK(mw_stream_response(stream, &final) == MW_OK && final == NULL); /* not finished yet */

    int count = 0, deltas = 0, saw_message = 0, completed = 0, in_progress = 0;
    uint64_t last_seq = 0;
    mw_stream_event_type type = MW_STREAM_EVENT_UNKNOWN;
    char *completed_json = NULL, *created_id = NULL;
    for (;;) {
        mw_stream_event *ev = NULL;
        CHECK_STATUS(mw_stream_next(stream, &ev, &err), MW_OK, err);
        if (!ev) break;
        CHECK(!completed); /* nothing after RESPONSE_COMPLETED */
        CHECK(mw_stream_event_get_type(ev, &type) == MW_OK);
        char *name = NULL, *json = NULL, *data = NULL, *rid = NULL, *otype = NULL;
        CHECK(mw_stream_event_name(ev, &name) == MW_OK);
        CHECK(mw_stream_event_to_json(ev, &json) == MW_OK);
        CHECK(mw_stream_event_data(ev, &data) == MW_OK && data == NULL); /* only unknown events have data */
        CHECK(mw_stream_event_response_id(ev, &rid) == MW_OK);
        CHECK(mw_stream_event_output_type(ev, &otype) == MW_OK);
        cJSON *parsed = cJSON_Parse(json);
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(parsed, "event")), name);
        const mw_output_item *item = NULL;
        const mw_response *carried = NULL;
        uint64_t seq = 12345;
        CHECK(mw_stream_event_output(ev, &item) == MW_OK);
        CHECK(mw_stream_event_response(ev, &carried) == MW_OK);
        /* Every event of a healthy stream has a published name and a sequence number
           above the previous event's, also in its JSON. */
        bool has_seq = false;
        CHECK(mw_stream_event_has_sequence_number(ev, &has_seq) == MW_OK && has_seq);
        CHECK(mw_stream_event_sequence_number(ev, &seq) == MW_OK && seq != 12345);
        CHECK(count == 0 || seq > last_seq);
        last_seq = seq;
        cJSON *jseq = cJSON_GetObjectItemCaseSensitive(parsed, "sequence_number");
        CHECK(cJSON_IsNumber(jseq) && (uint64_t)jseq->valuedouble == seq);
        CHECK(type != MW_STREAM_EVENT_UNKNOWN && type != MW_STREAM_EVENT_ERROR && type != MW_STREAM_EVENT_RESPONSE_FAILED);
        char *code = (char *)"sentinel", *message = (char *)"sentinel";
        CHECK(mw_stream_event_error_code(ev, &code) == MW_OK && code == NULL); /* ERROR events only */
        CHECK(mw_stream_event_error_message(ev, &message) == MW_OK && message == NULL);
        CHECK(rid && strncmp(rid, "resp_", 5) == 0);
        if (count == 0) {
            CHECK(type == MW_STREAM_EVENT_RESPONSE_CREATED);
            CHECK_STR(name, "RESPONSE_CREATED");
            created_id = rid ? strdup(rid) : NULL;
        } else {
            CHECK(type != MW_STREAM_EVENT_RESPONSE_CREATED);
        }
        if (type == MW_STREAM_EVENT_RESPONSE_IN_PROGRESS) {
            in_progress++;
            CHECK_STR(name, "RESPONSE_IN_PROGRESS");
        }
        /* The deprecated constant is the same value. */
        CHECK((type == MW_STREAM_EVENT_OUTPUT_DELTA) == (type == MW_STREAM_EVENT_RESPONSE_OUTPUT_DELTA));
        if (type == MW_STREAM_EVENT_RESPONSE_OUTPUT_DELTA) {
            deltas++;
            CHECK_STR(name, "RESPONSE_OUTPUT_DELTA");
            CHECK(otype != NULL && item != NULL);
            const mw_message *m = NULL;
            CHECK(mw_output_item_message(item, &m) == MW_OK);
            if (m) {
                char *text = NULL;
                CHECK(mw_message_text(m, &text) == MW_OK && text);
                saw_message |= text && strlen(text) > 0;
                mw_string_free(text);
            }
        } else {
            CHECK(otype == NULL && item == NULL);
        }
        if (type == MW_STREAM_EVENT_RESPONSE_COMPLETED) {
            completed = 1;
            CHECK_STR(name, "RESPONSE_COMPLETED");
            CHECK(carried != NULL);
            if (carried) completed_json = response_json(carried);
        } else if (type == MW_STREAM_EVENT_RESPONSE_OUTPUT_DELTA) {
            CHECK(carried == NULL);
        } else if (carried) {
            /* RESPONSE_CREATED / RESPONSE_IN_PROGRESS may carry the response so far. */
            mw_response_status st = MW_RESPONSE_STATUS_UNKNOWN;
            char *carried_id = NULL;
            CHECK(mw_response_get_status(carried, &st) == MW_OK && st != MW_RESPONSE_STATUS_COMPLETED);
            CHECK(mw_response_id(carried, &carried_id) == MW_OK);
            CHECK_STR(carried_id, rid);
            mw_string_free(carried_id);
        }
        cJSON_Delete(parsed);
        mw_string_free(name);
        mw_string_free(json);
        mw_string_free(data);
        mw_string_free(rid);
        mw_string_free(otype);
        mw_stream_event_free(ev);
        count++;
    }
    CHECK(completed && deltas > 0 && saw_message && in_progress > 0 && count >= 4);
    /* Over: NULL again, the final response borrowed from the stream, the same as get_response. */
    mw_stream_event *after = (mw_stream_event *)1;
    CHECK_STATUS(mw_stream_next(stream, &after, &err), MW_OK, err);
    CHECK(after == NULL);
    CHECK(mw_stream_response_id(stream, &response_id) == MW_OK);
    CHECK_STR(response_id, created_id);
    CHECK(mw_stream_response(stream, &final) == MW_OK && final != NULL);
    mw_response *got = NULL, *finished = NULL;
    CHECK_STATUS(mw_client_get_response(c, cid, response_id, &got, &err), MW_OK, err);
    char *got_json = got ? response_json(got) : NULL, *final_json = final ? response_json(final) : NULL;
    CHECK_STR(completed_json, got_json);
    CHECK_STR(final_json, got_json);
    CHECK_STATUS(mw_stream_finish(stream, &finished, &err), MW_OK, err); /* repeatable, owned */
    char *finished_json = finished ? response_json(finished) : NULL;
    CHECK_STR(finished_json, got_json);
    mw_response_status status;
    CHECK(final && mw_response_get_status(final, &status) == MW_OK && status == MW_RESPONSE_STATUS_COMPLETED);
    CHECK(sim_count_requests("POST", "/responses") == 1);
    /* The turn used the response RESPONSE_COMPLETED carried: the one GET is ours. */
    CHECK(sim_count_requests("GET", "/responses/") == 1);
    /* The streamed turn's final response carries the stream request's root uuid (the
       one the simulator logged for the POST), get_response its own answer's. */
    char *stream_uuid = sim_root_uuid("POST", "/responses/stream"), *rid = NULL;
    CHECK_STR(request_id, stream_uuid);
    CHECK(final && mw_response_request_id(final, &rid) == MW_OK);
    CHECK_STR(rid, stream_uuid);
    mw_string_free(rid);
    rid = NULL;
    CHECK(finished && mw_response_request_id(finished, &rid) == MW_OK);
    CHECK_STR(rid, stream_uuid);
    mw_string_free(rid);
    rid = NULL;
    CHECK(got && mw_response_request_id(got, &rid) == MW_OK && rid && strcmp(rid, stream_uuid) != 0);
    mw_string_free(rid);
    free(stream_uuid);
    mw_string_free(finished_json);
    mw_string_free(final_json);
    mw_string_free(got_json);
    mw_string_free(completed_json);
    mw_response_free(finished);
    mw_response_free(got);
    free(created_id);
    mw_string_free(response_id);
    mw_string_free(request_id);
    mw_stream_free(stream);
    mw_string_free(cid);
}

/* The stream drops mid-way: the turn is finished by polling, with the same final response and one POST. */
static void test_stream_drop(mw_client *c) {
    sim_config("{\"response_duration_ms\": 300}");
    char *cid = new_conversation(c, "Drop");
    sim_fault("{\"kind\":\"stream_drop\",\"after_events\":2}");
    mw_error *err = NULL;
    mw_stream_options o;
    mw_stream_options_init(&o);
    o.wait.initial_interval_ms = 20;
    o.wait.max_interval_ms = 50;
    mw_stream *stream = NULL;
    CHECK_STATUS(mw_client_stream_response(c, cid, "Who does John Doe report to?", &o, &stream, &err), MW_OK, err);
    char *last = NULL, *completed_json = NULL;
    for (;;) {
        mw_stream_event *ev = NULL;
        CHECK_STATUS(mw_stream_next(stream, &ev, &err), MW_OK, err);
        if (!ev) break;
        mw_string_free(last);
        last = NULL;
        mw_stream_event_name(ev, &last);
        const mw_response *carried = NULL;
        mw_stream_event_response(ev, &carried);
        if (carried) {
            mw_string_free(completed_json);
            completed_json = response_json(carried);
        }
        mw_stream_event_free(ev);
    }
    CHECK_STR(last, "RESPONSE_COMPLETED");
    char *rid = NULL;
    mw_stream_response_id(stream, &rid);
    mw_response *got = NULL;
    CHECK_STATUS(mw_client_get_response(c, cid, rid, &got, &err), MW_OK, err);
    char *got_json = got ? response_json(got) : NULL;
    CHECK_STR(completed_json, got_json);
    CHECK(sim_count_requests("POST", "/responses") == 1); /* never sent twice */
    CHECK(sim_count_requests("GET", rid) >= 2);            /* our poll and get_response */
    mw_string_free(got_json);
    mw_response_free(got);
    mw_string_free(rid);
    mw_string_free(completed_json);
    mw_string_free(last);
    mw_stream_free(stream);
    mw_string_free(cid);
}

static void *stream_cancel_later(void *stream) {
    sleep_ms(300);
    mw_stream_cancel((const mw_stream *)stream);
    return NULL;
}

/* A stalled stream: mw_stream_cancel from another thread interrupts the blocked mw_stream_next promptly. */
static void test_stream_cancel(mw_client *c) {
    sim_config("{\"response_duration_ms\": 200}");
    char *cid = new_conversation(c, "Stall");
    sim_fault("{\"kind\":\"stream_stall\",\"after_events\":1,\"ms\":20000}");
    mw_error *err = NULL;
    mw_stream *stream = NULL;
    CHECK_STATUS(mw_client_stream_response(c, cid, "Who does John Doe report to?", NULL, &stream, &err), MW_OK, err);
    mw_stream_event *ev = NULL;
    CHECK_STATUS(mw_stream_next(stream, &ev, &err), MW_OK, err); /* RESPONSE_CREATED, then the stall */
    mw_stream_event_free(ev);
    ev = NULL;
    pthread_t th;
    CHECK(pthread_create(&th, NULL, stream_cancel_later, stream) == 0);
    double start = now_s();
    CHECK_STATUS(mw_stream_next(stream, &ev, &err), MW_CANCELLED, err);
    CHECK(now_s() - start < 5.0); /* not the 20 s stall, nor the 30 s idle timeout */
    CHECK(ev == NULL);
    CHECK(err && mw_error_response_id(err) && strncmp(mw_error_response_id(err), "resp_", 5) == 0);
    mw_error_free(err);
    err = NULL;
    pthread_join(th, NULL);
    CHECK_STATUS(mw_stream_next(stream, &ev, &err), MW_OK, err); /* the error was reported once */
    CHECK(ev == NULL);
    const mw_response *final = (const mw_response *)1;
    CHECK(mw_stream_response(stream, &final) == MW_OK && final == NULL);
    mw_response *r = NULL;
    CHECK_STATUS(mw_stream_finish(stream, &r, &err), MW_CANCELLED, err);
    CHECK(r == NULL);
    mw_error_free(err);
    mw_stream_cancel(stream); /* after the end: no effect */
    mw_stream_free(stream);

    /* The stream's token may be the caller's own (options.wait.cancel). */
    mw_cancel_token *token = NULL;
    mw_cancel_token_new(&token);
    mw_stream_options o;
    mw_stream_options_init(&o);
    o.wait.cancel = token;
    sim_fault("{\"kind\":\"stream_stall\",\"after_events\":1,\"ms\":20000}");
    stream = NULL;
    err = NULL;
    CHECK_STATUS(mw_client_stream_response(c, cid, "Who does John Doe report to?", &o, &stream, &err), MW_OK, err);
    CHECK(pthread_create(&th, NULL, cancel_later, token) == 0);
    start = now_s();
    mw_status st;
    do {
        ev = NULL;
        st = mw_stream_next(stream, &ev, &err);
        mw_stream_event_free(ev);
    } while (st == MW_OK && ev);
    CHECK_STATUS(st, MW_CANCELLED, err);
    CHECK(now_s() - start < 5.0);
    mw_error_free(err);
    pthread_join(th, NULL);
    mw_stream_free(stream);
    /* An already cancelled token: nothing is sent. */
    int posts = sim_count_requests("POST", "/responses");
    stream = NULL;
    EXPECT_ERR(mw_client_stream_response(c, cid, "again", &o, &stream, &err), MW_CANCELLED, NULL);
    CHECK(stream == NULL);
    CHECK(sim_count_requests("POST", "/responses") == posts);
    mw_cancel_token_free(token);
    mw_string_free(cid);
}

/* Unknown event names arrive as unknown events, never as errors; a FAILED turn ends with MW_RESPONSE_FAILED. */
static void test_stream_unknown_and_failed(mw_client *c) {
    sim_config("{\"response_duration_ms\": 150}");
    char *cid = new_conversation(c, "Unknown");
    sim_fault("{\"kind\":\"stream_unknown_event\",\"after_events\":2,\"event\":\"RESPONSE_AUDIT\",\"data\":\"{\\\"x\\\":1}\"}");
    mw_error *err = NULL;
    mw_stream *stream = NULL;
    CHECK_STATUS(mw_client_stream_response(c, cid, "Who does John Doe report to?", NULL, &stream, &err), MW_OK, err);
    int unknown = 0;
    char *last = NULL;
    for (;;) {
        mw_stream_event *ev = NULL;
        CHECK_STATUS(mw_stream_next(stream, &ev, &err), MW_OK, err);
        if (!ev) break;
        mw_stream_event_type type;
        mw_stream_event_get_type(ev, &type);
        mw_string_free(last);
        last = NULL;
        mw_stream_event_name(ev, &last);
        if (type == MW_STREAM_EVENT_UNKNOWN) {
            unknown++;
            char *data = NULL, *json = NULL, *rid = NULL;
            CHECK_STR(last, "RESPONSE_AUDIT");
            CHECK(mw_stream_event_data(ev, &data) == MW_OK);
            CHECK_STR(data, "{\"x\":1}");
            CHECK(mw_stream_event_to_json(ev, &json) == MW_OK);
            CHECK_STR(json, "{\"event\":\"RESPONSE_AUDIT\",\"sequence_number\":null,\"data\":\"{\\\"x\\\":1}\"}");
            bool has_seq = true;
            CHECK(mw_stream_event_has_sequence_number(ev, &has_seq) == MW_OK && !has_seq);
            CHECK(mw_stream_event_response_id(ev, &rid) == MW_OK && rid == NULL);
            mw_string_free(data);
            mw_string_free(json);
        }
        mw_stream_event_free(ev);
    }
    CHECK(unknown == 1);
    CHECK_STR(last, "RESPONSE_COMPLETED");
    mw_string_free(last);
    mw_stream_free(stream);

    /* [fail]: the events, a RESPONSE_FAILED carrying the FAILED response (its error says
       why), then MW_RESPONSE_FAILED carrying the same response. */
    stream = NULL;
    CHECK_STATUS(mw_client_stream_response(c, cid, "please [fail]", NULL, &stream, &err), MW_OK, err);
    mw_status st;
    mw_stream_event *ev;
    int failed_events = 0;
    char *failed_json = NULL, *failed_code = NULL;
    do {
        ev = NULL;
        st = mw_stream_next(stream, &ev, &err);
        mw_stream_event_type type = MW_STREAM_EVENT_UNKNOWN;
        if (ev && mw_stream_event_get_type(ev, &type) == MW_OK && type == MW_STREAM_EVENT_RESPONSE_FAILED) {
            failed_events++;
            char *name = NULL;
            CHECK(mw_stream_event_name(ev, &name) == MW_OK);
            CHECK_STR(name, "RESPONSE_FAILED");
            mw_string_free(name);
            const mw_response *carried = NULL;
            mw_response_status status = MW_RESPONSE_STATUS_UNKNOWN;
            CHECK(mw_stream_event_response(ev, &carried) == MW_OK && carried);
            CHECK(carried && mw_response_get_status(carried, &status) == MW_OK && status == MW_RESPONSE_STATUS_FAILED);
            CHECK(carried && mw_response_error_code(carried, &failed_code) == MW_OK && failed_code && failed_code[0]);
            if (carried) failed_json = response_json(carried);
            bool has_seq = false;
            CHECK(mw_stream_event_has_sequence_number(ev, &has_seq) == MW_OK && has_seq);
        } else if (ev) {
            CHECK(failed_events == 0); /* RESPONSE_FAILED is the last event */
        }
        mw_stream_event_free(ev);
    } while (st == MW_OK && ev);
    CHECK(failed_events == 1);
    CHECK_STATUS(st, MW_RESPONSE_FAILED, err);
    mw_response_status status = MW_RESPONSE_STATUS_UNKNOWN;
    CHECK(err && mw_error_response(err) && mw_response_get_status(mw_error_response(err), &status) == MW_OK);
    CHECK(status == MW_RESPONSE_STATUS_FAILED);
    char *error_json = err && mw_error_response(err) ? response_json(mw_error_response(err)) : NULL;
    CHECK_STR(error_json, failed_json);
    mw_string_free(error_json);
    mw_string_free(failed_json);
    mw_string_free(failed_code);
    mw_error_free(err);
    mw_stream_free(stream);
    mw_string_free(cid);
}

/* Reads a stream to its end: the number of events of each type (indexed by type, 6 for
   unknown), the status it ended with (the error in *err). Calls `seen` for every event. */
static mw_status drain_stream(mw_stream *stream, int counts[7], mw_error **err,
                              void (*seen)(const mw_stream_event *ev, mw_stream_event_type type, void *ctx), void *ctx) {
    for (int i = 0; i < 7; i++) counts[i] = 0;
    for (;;) {
        mw_stream_event *ev = NULL;
        mw_status st = mw_stream_next(stream, &ev, err);
        if (st != MW_OK || !ev) return st;
        mw_stream_event_type type = MW_STREAM_EVENT_UNKNOWN;
        CHECK(mw_stream_event_get_type(ev, &type) == MW_OK);
        counts[type == MW_STREAM_EVENT_UNKNOWN ? 6 : (int)type]++;
        if (seen) seen(ev, type, ctx);
        mw_stream_event_free(ev);
    }
}

static void see_error_event(const mw_stream_event *ev, mw_stream_event_type type, void *ctx) {
    if (type != MW_STREAM_EVENT_ERROR) return;
    char **code = (char **)ctx, *name = NULL, *message = NULL, *json = NULL, *rid = (char *)"sentinel";
    CHECK(mw_stream_event_name(ev, &name) == MW_OK);
    CHECK_STR(name, "ERROR");
    mw_string_free(*code);
    *code = NULL;
    CHECK(mw_stream_event_error_code(ev, code) == MW_OK && *code);
    CHECK(mw_stream_event_error_message(ev, &message) == MW_OK && message && message[0]);
    CHECK(mw_stream_event_response_id(ev, &rid) == MW_OK && rid == NULL);
    bool has_seq = false;
    CHECK(mw_stream_event_has_sequence_number(ev, &has_seq) == MW_OK && has_seq);
    CHECK(mw_stream_event_to_json(ev, &json) == MW_OK && json && strstr(json, "\"event\":\"ERROR\"") &&
          strstr(json, "\"error\":{\"code\":"));
    mw_string_free(json);
    mw_string_free(message);
    mw_string_free(name);
}

static void see_poll_delta(const mw_stream_event *ev, mw_stream_event_type type, void *ctx) {
    /* After the ERROR, the turn is finished by polling: its deltas have no sequence number. */
    int *after_error = (int *)ctx;
    if (type == MW_STREAM_EVENT_ERROR) *after_error = 1;
    if (type == MW_STREAM_EVENT_RESPONSE_OUTPUT_DELTA && *after_error) {
        bool has_seq = true;
        uint64_t seq = 4242;
        CHECK(mw_stream_event_has_sequence_number(ev, &has_seq) == MW_OK && !has_seq);
        CHECK(mw_stream_event_sequence_number(ev, &seq) == MW_INVALID_ARGUMENT && seq == 4242);
    }
}

/* The published stream's other endings: an ERROR mid-stream (the turn finished by polling),
   a live-agent handoff (completed, no outputs). */
static void test_stream_error_and_handoff(mw_client *c) {
    sim_config("{\"response_duration_ms\": 300}");
    char *cid = new_conversation(c, "Published endings");
    mw_error *err = NULL;
    mw_stream *stream = NULL;
    int counts[7];

    /* ERROR after two events: the response id is known, so the turn completes by polling
       with the ERROR event seen and its code readable; the message is never sent twice. */
    sim_fault("{\"kind\":\"stream_error\",\"after_events\":2,\"code\":\"INTERNAL_ERROR\",\"message\":\"boom\"}");
    CHECK_STATUS(mw_client_stream_response(c, cid, "Who does John Doe report to?", NULL, &stream, &err), MW_OK, err);
    char *code = NULL;
    CHECK_STATUS(drain_stream(stream, counts, &err, see_error_event, &code), MW_OK, err);
    CHECK(counts[MW_STREAM_EVENT_ERROR] == 1 && counts[MW_STREAM_EVENT_RESPONSE_COMPLETED] == 1);
    CHECK_STR(code, "INTERNAL_ERROR");
    mw_string_free(code);
    const mw_response *final = NULL;
    char *text = NULL;
    CHECK(mw_stream_response(stream, &final) == MW_OK && final);
    CHECK(final && mw_response_assistant_text(final, &text) == MW_OK && text && text[0]);
    mw_string_free(text);
    mw_stream_free(stream);
    CHECK(sim_count_requests("POST", "/responses") == 1);

    /* The same with the default code, through the callback form: deltas made from polls
       have no sequence number. */
    sim_post("/_sim/reset", "{}");
    sim_config("{\"response_duration_ms\": 300}");
    mw_string_free(cid);
    cid = new_conversation(c, "Published endings 2");
    sim_fault("{\"kind\":\"stream_error\",\"after_events\":2}");
    stream = NULL;
    CHECK_STATUS(mw_client_stream_response(c, cid, "Who does John Doe report to?", NULL, &stream, &err), MW_OK, err);
    int after_error = 0;
    CHECK_STATUS(drain_stream(stream, counts, &err, see_poll_delta, &after_error), MW_OK, err);
    CHECK(after_error && counts[MW_STREAM_EVENT_RESPONSE_COMPLETED] == 1);
    mw_stream_free(stream);

    /* A handoff to a live agent: RESPONSE_COMPLETED with no outputs is a success. */
    sim_fault("{\"kind\":\"handoff\"}");
    stream = NULL;
    CHECK_STATUS(mw_client_stream_response(c, cid, "I need a human", NULL, &stream, &err), MW_OK, err);
    CHECK_STATUS(drain_stream(stream, counts, &err, NULL, NULL), MW_OK, err);
    CHECK(counts[MW_STREAM_EVENT_RESPONSE_COMPLETED] == 1 && counts[MW_STREAM_EVENT_ERROR] == 0 &&
          counts[MW_STREAM_EVENT_RESPONSE_FAILED] == 0);
    mw_response *finished = NULL;
    CHECK_STATUS(mw_stream_finish(stream, &finished, &err), MW_OK, err);
    size_t n = 99;
    mw_response_status status = MW_RESPONSE_STATUS_UNKNOWN;
    CHECK(finished && mw_response_output_count(finished, &n) == MW_OK && n == 0);
    CHECK(finished && mw_response_get_status(finished, &status) == MW_OK && status == MW_RESPONSE_STATUS_COMPLETED);
    mw_response_free(finished);
    mw_stream_free(stream);
    mw_string_free(cid);
}

/* One NUL policy: every string the C ABI returns holds the whole value, each NUL as U+FFFD. */
static void test_interior_nul(mw_client *c) {
    sim_config("{\"response_duration_ms\": 150}");
    char *cid = new_conversation(c, "NUL");
    mw_error *err = NULL;

    /* An unknown event named "RESPONSE_CREATED\0X" must not read as RESPONSE_CREATED. */
    sim_fault("{\"kind\":\"stream_unknown_event\",\"after_events\":1,\"event\":\"RESPONSE_CREATED\\u0000X\",\"data\":\"{}\"}");
    mw_stream *stream = NULL;
    CHECK_STATUS(mw_client_stream_response(c, cid, "Who does John Doe report to?", NULL, &stream, &err), MW_OK, err);
    int unknown = 0, created = 0;
    for (;;) {
        mw_stream_event *ev = NULL;
        CHECK_STATUS(mw_stream_next(stream, &ev, &err), MW_OK, err);
        if (!ev) break;
        mw_stream_event_type type;
        char *name = NULL, *json = NULL;
        CHECK(mw_stream_event_get_type(ev, &type) == MW_OK && mw_stream_event_name(ev, &name) == MW_OK);
        if (type == MW_STREAM_EVENT_RESPONSE_CREATED) created++;
        if (type == MW_STREAM_EVENT_UNKNOWN) {
            unknown++;
            CHECK_STR(name, "RESPONSE_CREATED\xEF\xBF\xBDX");
            CHECK(mw_stream_event_to_json(ev, &json) == MW_OK && json && strstr(json, "\"RESPONSE_CREATED\\u0000X\""));
        }
        mw_string_free(json);
        mw_string_free(name);
        mw_stream_event_free(ev);
    }
    CHECK(unknown == 1 && created == 1);
    mw_stream_free(stream);

    /* A message text with a NUL, served verbatim: the whole text, the NUL as U+FFFD. */
    sim_fault("{\"kind\":\"raw_message\",\"message\":{\"message_id\":\"msg_nul\",\"actor\":\"ASSISTANT\","
              "\"content\":{\"type\":\"PLAIN_TEXT\",\"plain_text\":{\"text\":\"before\\u0000after\"}},"
              "\"citations\":null,\"content_references\":null,\"created_at\":\"2026-05-20T10:00:00Z\"}}");
    mw_response *r = NULL;
    CHECK_STATUS(mw_client_create_response_and_wait(c, cid, "Who does John Doe report to?", NULL, &r, &err), MW_OK, err);
    char *text = NULL;
    CHECK(r && mw_response_assistant_text(r, &text) == MW_OK);
    CHECK_STR(text, "before\xEF\xBF\xBD" "after");
    mw_string_free(text);
    mw_response_free(r);

    /* The same through the model-from-JSON entry point, for an id too. */
    mw_event *e = NULL;
    CHECK_STATUS(mw_event_from_json("{\"event_id\":\"ev\\u0000id\",\"conversation_id\":\"conv_1\","
                                    "\"created_at\":\"2026-05-20T10:00:00Z\",\"event_payload\":{\"type\":\"X\\u0000Y\"}}",
                                    &e, &err),
                 MW_OK, err);
    char *s = NULL;
    CHECK(e && mw_event_id(e, &s) == MW_OK);
    CHECK_STR(s, "ev\xEF\xBF\xBDid");
    mw_string_free(s);
    s = NULL;
    CHECK(e && mw_event_type_name(e, &s) == MW_OK);
    CHECK_STR(s, "X\xEF\xBF\xBDY");
    mw_string_free(s);
    mw_event_free(e);
    mw_string_free(cid);
}

/* Citations of an answer in the live shape, served verbatim: ids, content references (two
   at one offset, one naming no citation), display attributes, no location. */
static void test_raw_message_citations(mw_client *c) {
    sim_config("{\"response_duration_ms\": 150}");
    char *cid = new_conversation(c, "Citations");
    mw_error *err = NULL;
    sim_fault("{\"kind\":\"raw_message\",\"message\":{\"message_id\":\"msg_cite\",\"actor\":\"ASSISTANT\","
              "\"content\":{\"type\":\"MARKDOWN_TEXT\",\"markdown_text\":{\"text\":\"Caf\u00e9 \U0001F4D8 policy. See FAQ.\"}},"
              "\"citations\":[{\"citation_id\":\"cite_a\",\"url\":\"https://kb/a\",\"display\":{\"title\":{\"type\":\"MARKDOWN_TEXT\","
              "\"markdown_text\":{\"text\":\"A\"}},\"attributes\":[{\"key\":\"k1\",\"value\":\"v1\"},{\"key\":\"k2\",\"value\":\"v2\"}]}},"
              "{\"citation_id\":\"cite_b\",\"display\":{\"attributes\":null}},{\"citation_id\":\"cite_c\"}],"
              "\"content_references\":[{\"citation_id\":\"cite_zzz\",\"offset\":2},{\"citation_id\":\"cite_a\",\"offset\":13},"
              "{\"citation_id\":\"cite_b\",\"offset\":22},{\"citation_id\":\"cite_c\",\"offset\":22}],"
              "\"created_at\":\"2026-05-20T10:00:00Z\"}}");
    mw_response *r = NULL;
    CHECK_STATUS(mw_client_create_response_and_wait(c, cid, "What is the policy?", NULL, &r, &err), MW_OK, err);
    /* The answer's MESSAGE output (reasoning messages may come first). */
    const mw_message *m = NULL;
    size_t outputs = 0;
    CHECK(r && mw_response_output_count(r, &outputs) == MW_OK);
    for (size_t i = 0; r && i < outputs && !m; i++) {
        const mw_output_item *item = NULL;
        CHECK(mw_response_output(r, i, &item) == MW_OK && mw_output_item_message(item, &m) == MW_OK);
    }
    CHECK(m != NULL);
    if (!m) {
        mw_response_free(r);
        mw_string_free(cid);
        return;
    }
    size_t n = 0;
    char *s = NULL;
    CHECK(mw_message_citation_count(m, &n) == MW_OK && n == 3);
    CHECK(mw_message_content_reference_count(m, &n) == MW_OK && n == 4);
    const char *ref_ids[4] = {"cite_zzz", "cite_a", "cite_b", "cite_c"};
    const uint64_t ref_offsets[4] = {2, 13, 22, 22};
    for (size_t i = 0; i < 4; i++) {
        uint64_t off = 0;
        CHECK(mw_message_content_reference_citation_id(m, i, &s) == MW_OK);
        CHECK_STR(s, ref_ids[i]);
        mw_string_free(s);
        s = NULL;
        CHECK(mw_message_content_reference_offset(m, i, &off) == MW_OK && off == ref_offsets[i]);
    }
    /* Character offsets; the reference to an unlisted id is skipped. */
    CHECK(mw_message_text_with_citation_markers(m, &s) == MW_OK);
    CHECK_STR(s, "Caf\u00e9 \U0001F4D8 policy[1]. See FAQ[2][3].");
    mw_string_free(s);
    s = NULL;
    const char *ids[3] = {"cite_a", "cite_b", "cite_c"};
    const size_t attrs[3] = {2, 0, 0};
    const bool displays[3] = {true, true, false};
    for (size_t i = 0; i < 3; i++) {
        const mw_citation *cit = NULL;
        bool has = !displays[i];
        CHECK(mw_message_citation(m, i, &cit) == MW_OK && cit);
        CHECK(mw_citation_id(cit, &s) == MW_OK);
        CHECK_STR(s, ids[i]);
        mw_string_free(s);
        s = NULL;
        CHECK(mw_citation_has_display(cit, &has) == MW_OK && has == displays[i]);
        CHECK(mw_citation_display_attribute_count(cit, &n) == MW_OK && n == attrs[i]);
        CHECK(mw_citation_has_offset(cit, &has) == MW_OK && !has);
    }
    const mw_citation *a = NULL;
    CHECK(mw_message_citation(m, 0, &a) == MW_OK);
    CHECK(mw_citation_display_attribute_key(a, 1, &s) == MW_OK);
    CHECK_STR(s, "k2");
    mw_string_free(s);
    CHECK(mw_citation_display_attribute_value(a, 1, &s) == MW_OK);
    CHECK_STR(s, "v2");
    mw_string_free(s);
    s = NULL;
    CHECK(mw_citation_display_attribute_value(a, 2, &s) == MW_INVALID_ARGUMENT && s == NULL);

    /* The deprecated offset is read when a server still sends it. */
    mw_message_page *page = NULL;
    CHECK_STATUS(mw_message_page_from_json("{\"messages\":[{\"message_id\":\"m\",\"conversation_id\":\"c\",\"response_id\":\"r\","
                                           "\"actor\":\"ASSISTANT\",\"content\":{\"type\":\"PLAIN_TEXT\",\"plain_text\":{\"text\":\"abc\"}},"
                                           "\"citations\":[{\"location\":{\"offset\":2}}],\"created_at\":\"2026-05-20T10:00:00Z\"}]}",
                                           &page, &err),
                 MW_OK, err);
    const mw_message *old = NULL;
    const mw_citation *oc = NULL;
    uint64_t off = 0;
    bool has = false;
    CHECK(page && mw_message_page_get(page, 0, &old) == MW_OK && mw_message_citation(old, 0, &oc) == MW_OK);
    CHECK(mw_citation_has_offset(oc, &has) == MW_OK && has);
    CHECK(mw_citation_offset(oc, &off) == MW_OK && off == 2);
    s = (char *)"sentinel";
    CHECK(mw_citation_id(oc, &s) == MW_OK && s == NULL);
    CHECK(mw_message_text_with_citation_markers(old, &s) == MW_OK);
    CHECK_STR(s, "ab[1]c");
    mw_string_free(s);
    mw_message_page_free(page);
    mw_response_free(r);
    mw_string_free(cid);
}

/* The rest/v1 model additions (API-V1-NOTES.md's example messages): actions, live-agent
 * sender, Get Help menu, attached files, a recorded press, an event's time. */
static void test_v1_model(void) {
    mw_error *err = NULL;
    mw_message_page *page = NULL;
    CHECK_STATUS(
        mw_message_page_from_json(
            "{\"messages\":["
            "{\"message_id\":\"m1\",\"conversation_id\":\"c\",\"response_id\":\"r\",\"actor\":\"ASSISTANT\","
            "\"created_at\":\"2026-11-30T09:14:05.482113Z\",\"content\":{\"type\":\"MARKDOWN_TEXT\",\"markdown_text\":{\"text\":\"Shall I?\"}},"
            "\"actions\":[{\"type\":\"CALLBACK_ACTION\",\"label\":\"File it\",\"callback_action\":{\"callback_id\":\"cb_A1\"}},"
            "{\"type\":\"MODAL_ACTION\",\"label\":\"Edit details\",\"modal_action\":{\"modal_id\":\"modal_B2\"}},"
            "{\"type\":\"URL_ACTION\",\"label\":\"Open portal\",\"url_action\":{\"url\":\"https://app.moveworks.ai/r?x\"}},"
            "{\"type\":\"SHARE_ACTION\",\"label\":\"Share\"}],"
            "\"handoff\":{\"handoff_categories\":[{\"category_id\":\"it\",\"name\":\":computer: IT\",\"handoff_items\":[]}]}},"
            "{\"message_id\":\"m2\",\"conversation_id\":\"c\",\"response_id\":\"r\",\"actor\":\"LIVE_AGENT\","
            "\"created_at\":\"2026-11-30T09:21:44Z\",\"content\":{\"type\":\"MARKDOWN_TEXT\",\"markdown_text\":{\"text\":\"Hi\"}},"
            "\"sender_info\":{\"display_name\":\"Priya Raman\",\"avatar_url\":\"https://cdn.example.com/p.png\"}},"
            "{\"message_id\":\"m3\",\"conversation_id\":\"c\",\"response_id\":\"r\",\"actor\":\"USER\","
            "\"created_at\":\"2026-11-30T09:13:58Z\",\"content\":{\"type\":\"PLAIN_TEXT\",\"plain_text\":{\"text\":\"see attached\","
            "\"files\":[{\"file_id\":\"file_1\",\"file_name\":\"vpn.png\"},{\"file_id\":\"file_2\"}]}}},"
            "{\"message_id\":\"m4\",\"conversation_id\":\"c\",\"response_id\":\"r\",\"actor\":\"USER\","
            "\"created_at\":\"2026-11-30T09:15:10Z\",\"content\":{\"type\":\"CALLBACK_ACTION_CONTENT\",\"callback_action\":{\"callback_id\":\"cb_A1\"}}}"
            "]}",
            &page, &err),
        MW_OK, err);
    if (!page) return;
    const mw_message *m = NULL;
    char *s = NULL;
    size_t n = 0;
    bool flag = true;
    CHECK(mw_message_page_get(page, 0, &m) == MW_OK);
    CHECK(mw_message_action_count(m, &n) == MW_OK && n == 4);
    const mw_action_type kinds[4] = {MW_ACTION_CALLBACK, MW_ACTION_MODAL, MW_ACTION_URL, MW_ACTION_UNKNOWN};
    const char *labels[4] = {"File it", "Edit details", "Open portal", "Share"};
    for (size_t i = 0; i < 4; i++) {
        const mw_action *a = NULL;
        mw_action_type t = MW_ACTION_UNKNOWN;
        CHECK(mw_message_action(m, i, &a) == MW_OK && mw_action_get_type(a, &t) == MW_OK && t == kinds[i]);
        CHECK(mw_action_label(a, &s) == MW_OK);
        CHECK_STR(s, labels[i]);
        mw_string_free(s);
        s = NULL;
    }
    const mw_action *a = NULL;
    CHECK(mw_message_action(m, 0, &a) == MW_OK && mw_action_callback_id(a, &s) == MW_OK);
    CHECK_STR(s, "cb_A1");
    mw_string_free(s);
    CHECK(mw_action_url(a, &s) == MW_OK && s == NULL);
    CHECK(mw_message_action(m, 1, &a) == MW_OK && mw_action_modal_id(a, &s) == MW_OK);
    CHECK_STR(s, "modal_B2");
    mw_string_free(s);
    CHECK(mw_message_action(m, 2, &a) == MW_OK && mw_action_url(a, &s) == MW_OK);
    CHECK_STR(s, "https://app.moveworks.ai/r?x");
    mw_string_free(s);
    CHECK(mw_message_action(m, 3, &a) == MW_OK && mw_action_type_name(a, &s) == MW_OK);
    CHECK_STR(s, "SHARE_ACTION");
    mw_string_free(s);
    CHECK(mw_action_to_json(a, &s) == MW_OK && s && strstr(s, "\"SHARE_ACTION\""));
    mw_string_free(s);
    CHECK(mw_message_action(m, 4, &a) == MW_INVALID_ARGUMENT);
    CHECK(mw_message_handoff_json(m, &s) == MW_OK && s && strstr(s, "\"handoff_categories\""));
    mw_string_free(s);
    CHECK(mw_message_is_live_agent(m, &flag) == MW_OK && !flag);

    CHECK(mw_message_page_get(page, 1, &m) == MW_OK);
    mw_actor actor = MW_ACTOR_UNKNOWN;
    CHECK(mw_message_actor(m, &actor) == MW_OK && actor == MW_ACTOR_LIVE_AGENT);
    CHECK(mw_message_is_live_agent(m, &flag) == MW_OK && flag);
    CHECK(mw_message_sender_display_name(m, &s) == MW_OK);
    CHECK_STR(s, "Priya Raman");
    mw_string_free(s);
    CHECK(mw_message_sender_avatar_url(m, &s) == MW_OK);
    CHECK_STR(s, "https://cdn.example.com/p.png");
    mw_string_free(s);

    const mw_content *content = NULL;
    CHECK(mw_message_page_get(page, 2, &m) == MW_OK && mw_message_content(m, &content) == MW_OK);
    CHECK(mw_content_file_count(content, &n) == MW_OK && n == 2);
    const mw_file_ref *f = NULL;
    CHECK(mw_content_file(content, 0, &f) == MW_OK && mw_file_ref_id(f, &s) == MW_OK);
    CHECK_STR(s, "file_1");
    mw_string_free(s);
    CHECK(mw_file_ref_name(f, &s) == MW_OK);
    CHECK_STR(s, "vpn.png");
    mw_string_free(s);
    CHECK(mw_content_file(content, 1, &f) == MW_OK && mw_file_ref_name(f, &s) == MW_OK && s == NULL);

    mw_content_type ct = MW_CONTENT_UNKNOWN;
    CHECK(mw_message_page_get(page, 3, &m) == MW_OK && mw_message_content(m, &content) == MW_OK);
    CHECK(mw_content_get_type(content, &ct) == MW_OK && ct == MW_CONTENT_CALLBACK_ACTION);
    CHECK(mw_content_callback_id(content, &s) == MW_OK);
    CHECK_STR(s, "cb_A1");
    mw_string_free(s);
    mw_message_page_free(page);

    mw_event *ev = NULL;
    int64_t at = -1;
    CHECK_STATUS(mw_event_from_json("{\"event_id\":\"evt_1\",\"conversation_id\":\"c\",\"created_at\":\"1970-01-01T00:00:01Z\","
                                    "\"event_payload\":{\"type\":\"MESSAGE_EVENT\"}}",
                                    &ev, &err),
                 MW_OK, err);
    CHECK(ev && mw_event_created_at(ev, &flag, &at) == MW_OK && flag && at == 1000);
    mw_event_free(ev);
    ev = NULL;
    CHECK_STATUS(mw_event_from_json("{\"event_id\":\"evt_1\",\"conversation_id\":\"c\",\"event_payload\":{\"type\":\"MESSAGE_EVENT\"}}",
                                    &ev, &err),
                 MW_OK, err);
    CHECK(ev && mw_event_created_at(ev, &flag, &at) == MW_OK && !flag && at == 0);
    mw_event_free(ev);
}

/* rest/v1 calls: a client on the simulator's bare origin (the core appends /rest/v1),
 * pressing the laptop answer's File it button, and reading one event back. */
static void test_v1_press_and_get_event(void) {
    mw_client_builder *b = NULL;
    mw_client *c = NULL;
    mw_error *err = NULL;
    CHECK(mw_client_builder_new(&b) == MW_OK && mw_client_builder_base_url(b, g_sim.origin) == MW_OK &&
          mw_client_builder_assistant_name(b, g_sim.assistant_name) == MW_OK &&
          mw_client_builder_bearer_token(b, g_sim.token) == MW_OK);
    CHECK_STATUS(mw_client_builder_set(b, "api_version", "v1", &err), MW_OK, err);
    CHECK_STATUS(mw_client_builder_build(b, &c, &err), MW_OK, err);
    mw_client_builder_free(b);
    if (!c) return;
    char *url = NULL;
    CHECK(mw_client_base_url(c, &url) == MW_OK && url && strstr(url, "/rest/v1") && !strstr(url, "v1beta1"));
    mw_string_free(url);
    char *cid = new_conversation(c, "Laptop");
    mw_response *r = NULL;
    CHECK_STATUS(mw_client_create_response_and_wait(c, cid, "I need a new laptop", NULL, &r, &err), MW_OK, err);
    const mw_message *m = NULL;
    size_t outputs = 0;
    CHECK(r && mw_response_output_count(r, &outputs) == MW_OK);
    for (size_t i = 0; r && i < outputs && !m; i++) {
        const mw_output_item *item = NULL;
        CHECK(mw_response_output(r, i, &item) == MW_OK && mw_output_item_message(item, &m) == MW_OK);
    }
    const mw_action *file_it = NULL, *link = NULL;
    CHECK(m && mw_message_action(m, 0, &file_it) == MW_OK && mw_message_action(m, 2, &link) == MW_OK);
    mw_response *pressed = NULL;
    CHECK_STATUS(mw_client_press(c, cid, file_it, &pressed, &err), MW_OK, err);
    char *rid = NULL;
    CHECK(pressed && mw_response_id(pressed, &rid) == MW_OK);
    mw_response *done = NULL;
    CHECK_STATUS(mw_client_wait_for_response(c, cid, rid, NULL, &done, &err), MW_OK, err);
    char *text = NULL;
    CHECK(done && mw_response_assistant_text(done, &text) == MW_OK && text && strncmp(text, "Filed ticket INC", 16) == 0);
    mw_string_free(text);
    mw_response *none = NULL;
    EXPECT_ERR(mw_client_press(c, cid, link, &none, &err), MW_INVALID_ARGUMENT, "action");
    CHECK(none == NULL);

    cJSON_Delete(sim_inject_event(cid, "Your laptop shipped", "notification", NULL));
    mw_event_page *page = NULL;
    const mw_event *listed = NULL;
    char *eid = NULL;
    CHECK_STATUS(mw_client_list_events(c, cid, NULL, NULL, NULL, MW_LIMIT_DEFAULT, &page, &err), MW_OK, err);
    CHECK(page && mw_event_page_get(page, 0, &listed) == MW_OK && mw_event_id(listed, &eid) == MW_OK);
    mw_event *one = NULL;
    CHECK_STATUS(mw_client_get_event(c, cid, eid, &one, &err), MW_OK, err);
    bool present = false;
    int64_t at = 0;
    CHECK(one && mw_event_created_at(one, &present, &at) == MW_OK && present && at > 0);
    mw_event *dash = NULL;
    EXPECT_ERR(mw_client_get_event(c, "-", eid, &dash, &err), MW_INVALID_ARGUMENT, "conversation_id");
    mw_event_free(one);
    mw_string_free(eid);
    mw_event_page_free(page);
    mw_response_free(done);
    mw_string_free(rid);
    mw_response_free(pressed);
    mw_response_free(r);
    mw_string_free(cid);
    mw_client_free(c);
}

/* Errors before the stream starts are returned by mw_client_stream_response itself, typed. */
static void test_stream_errors_before_start(mw_client *c) {
    mw_stream *stream = NULL;
    char *cid = new_conversation(c, "Errors");
    EXPECT_ERR(mw_client_stream_response(c, "conv_does_not_exist", "hi", NULL, &stream, &err), MW_NOT_FOUND, NULL);
    CHECK(stream == NULL);
    EXPECT_ERR(mw_client_stream_response(NULL, cid, "hi", NULL, &stream, &err), MW_INVALID_ARGUMENT, "client");
    EXPECT_ERR(mw_client_stream_response(c, NULL, "hi", NULL, &stream, &err), MW_INVALID_ARGUMENT, "conversation_id");
    EXPECT_ERR(mw_client_stream_response(c, BAD_UTF8, "hi", NULL, &stream, &err), MW_INVALID_ARGUMENT, "conversation_id");
    EXPECT_ERR(mw_client_stream_response(c, cid, NULL, NULL, &stream, &err), MW_INVALID_ARGUMENT, "text");
    EXPECT_ERR(mw_client_stream_response(c, cid, "hi", NULL, NULL, &err), MW_INVALID_ARGUMENT, "out_stream");
    mw_stream_options o;
    mw_stream_options_init(&o);
    o.idle_timeout_ms = 0;
    EXPECT_ERR(mw_client_stream_response(c, cid, "hi", &o, &stream, &err), MW_INVALID_ARGUMENT, "idle_timeout");
    CHECK(stream == NULL);
    mw_client *once = client_with(0, 0, NULL, NULL);
    sim_fault("{\"kind\":\"status\",\"status\":500,\"method\":\"POST\",\"path_contains\":\"/stream\"}");
    EXPECT_ERR(mw_client_stream_response(once, cid, "hi", NULL, &stream, &err), MW_INTERNAL_SERVER, NULL);
    CHECK(stream == NULL);
    mw_client_free(once);
    sim_fault("{\"kind\":\"status\",\"status\":401,\"method\":\"POST\"}");
    mw_response *r = NULL;
    EXPECT_ERR(mw_client_stream_response_and_wait(c, cid, "hi", NULL, NULL, NULL, &r, &err), MW_AUTHENTICATION, NULL);
    CHECK(r == NULL);
    /* NULL-safety of the rest of the surface. */
    mw_stream_event *ev = NULL;
    char *s = NULL;
    const mw_response *final = NULL;
    const mw_output_item *item = NULL;
    mw_stream_event_type type;
    uint64_t seq;
    EXPECT_ERR(mw_stream_next(NULL, &ev, &err), MW_INVALID_ARGUMENT, "stream");
    EXPECT_ERR(mw_stream_finish(NULL, &r, &err), MW_INVALID_ARGUMENT, "stream");
    CHECK(mw_stream_next(NULL, &ev, NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_stream_response_id(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_stream_request_id(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_stream_response(NULL, &final) == MW_INVALID_ARGUMENT);
    CHECK(mw_stream_options_init(NULL) == MW_INVALID_ARGUMENT);
    CHECK(mw_stream_event_get_type(NULL, &type) == MW_INVALID_ARGUMENT);
    CHECK(mw_stream_event_name(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_stream_event_response_id(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_stream_event_sequence_number(NULL, &seq) == MW_INVALID_ARGUMENT);
    bool present = false;
    CHECK(mw_stream_event_has_sequence_number(NULL, &present) == MW_INVALID_ARGUMENT);
    CHECK(mw_stream_event_error_code(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_stream_event_error_message(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_stream_event_output_type(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_stream_event_output(NULL, &item) == MW_INVALID_ARGUMENT);
    CHECK(mw_stream_event_response(NULL, &final) == MW_INVALID_ARGUMENT);
    CHECK(mw_stream_event_data(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(mw_stream_event_to_json(NULL, &s) == MW_INVALID_ARGUMENT);
    CHECK(s == NULL && ev == NULL && final == NULL && item == NULL);
    mw_stream_cancel(NULL);
    mw_stream_free(NULL);
    mw_stream_event_free(NULL);
    mw_string_free(cid);
}

typedef struct seen_events {
    int count;
    int stop_after; /* 0: never */
    char last[64];
} seen_events;

static int on_stream_event(const mw_stream_event *ev, void *user_data) {
    seen_events *seen = (seen_events *)user_data;
    char *name = NULL;
    mw_stream_event_name(ev, &name);
    snprintf(seen->last, sizeof seen->last, "%s", name ? name : "");
    mw_string_free(name);
    seen->count++;
    return seen->stop_after && seen->count >= seen->stop_after;
}

/* The callback form: every event, then the final response; a nonzero return stops with MW_CANCELLED. */
static void test_stream_and_wait(mw_client *c) {
    sim_config("{\"response_duration_ms\": 150}");
    char *cid = new_conversation(c, "Callback");
    mw_error *err = NULL;
    mw_response *r = NULL;
    seen_events seen = {0, 0, ""};
    CHECK_STATUS(mw_client_stream_response_and_wait(c, cid, "Who does John Doe report to?", NULL, on_stream_event, &seen, &r, &err),
                 MW_OK, err);
    CHECK(seen.count >= 3);
    CHECK_STR(seen.last, "RESPONSE_COMPLETED");
    char *text = NULL;
    CHECK(r && mw_response_assistant_text(r, &text) == MW_OK && text && strstr(text, "John Doe"));
    mw_string_free(text);
    mw_response_free(r);
    r = NULL;
    /* No callback: just the final response. */
    CHECK_STATUS(mw_client_stream_response_and_wait(c, cid, "hello", NULL, NULL, NULL, &r, &err), MW_OK, err);
    CHECK(r != NULL);
    mw_response_free(r);
    r = NULL;
    /* Stop after the first event. */
    seen = (seen_events){0, 1, ""};
    CHECK_STATUS(mw_client_stream_response_and_wait(c, cid, "hello", NULL, on_stream_event, &seen, &r, &err), MW_CANCELLED, err);
    CHECK(seen.count == 1 && r == NULL);
    CHECK(err && mw_error_response_id(err) != NULL);
    mw_error_free(err);
    err = NULL;
    EXPECT_ERR(mw_client_stream_response_and_wait(c, cid, "hi", NULL, NULL, NULL, NULL, &err), MW_INVALID_ARGUMENT, "out_response");
    mw_string_free(cid);
}

/* Leaving early releases the stream: 200 streams abandoned after one event leave no descriptor open. */
static void test_stream_abandon(mw_client *c) {
    sim_config("{\"response_duration_ms\": 2000}");
    char *cid = new_conversation(c, "Abandon");
    mw_error *err = NULL;
    /* Warm up (the pool's first connection), then measure. */
    mw_stream *stream = NULL;
    CHECK_STATUS(mw_client_stream_response(c, cid, "warm up", NULL, &stream, &err), MW_OK, err);
    mw_stream_free(stream);
    int before = open_fds(), ok = 1;
    for (int i = 0; i < 200 && ok; i++) {
        stream = NULL;
        mw_stream_event *ev = NULL;
        ok = mw_client_stream_response(c, cid, "abandoned", NULL, &stream, &err) == MW_OK &&
             mw_stream_next(stream, &ev, &err) == MW_OK && ev != NULL;
        if (!ok) fprintf(stderr, "stream %d: %s\n", i, err ? mw_error_message(err) : "no event");
        mw_stream_event_free(ev);
        mw_stream_free(stream); /* mid-turn: closes the connection */
        mw_error_free(err);
        err = NULL;
    }
    CHECK(ok);
    int after = open_fds();
    CHECK(after <= before + 2);
    if (after > before + 2) fprintf(stderr, "open descriptors: %d before, %d after\n", before, after);
    sim_config("{\"response_duration_ms\": 100}");
    mw_string_free(cid);
}

/* ---- 8 threads, one client -------------------------------------------------------------------------------------- */

typedef struct worker {
    mw_client *client;
    int index;
    int ok;
    char *conversation_id;
} worker;

static void *work(void *arg) {
    worker *w = (worker *)arg;
    mw_error *err = NULL;
    mw_conversation *conv = NULL;
    char title[32];
    snprintf(title, sizeof title, "thread %d", w->index);
    if (mw_client_create_conversation(w->client, title, &conv, &err) != MW_OK) goto out;
    mw_conversation_id(conv, &w->conversation_id);
    mw_wait_options o;
    mw_wait_options_init(&o);
    o.initial_interval_ms = 20;
    o.max_interval_ms = 50;
    o.deadline_ms = 60000;
    mw_response *r = NULL;
    if (mw_client_create_response_and_wait(w->client, w->conversation_id, "Who does John Doe report to?", &o, &r, &err) != MW_OK)
        goto out;
    char *text = NULL;
    mw_response_assistant_text(r, &text);
    mw_conversation *got = NULL;
    char *got_title = NULL;
    if (text && strstr(text, "John Doe") && mw_client_get_conversation(w->client, w->conversation_id, &got, &err) == MW_OK &&
        mw_conversation_title(got, &got_title) == MW_OK && got_title && strcmp(got_title, title) == 0)
        w->ok = 1;
    mw_string_free(got_title);
    mw_string_free(text);
    mw_conversation_free(got);
    mw_response_free(r);
out:
    if (err) fprintf(stderr, "thread %d: %s\n", w->index, mw_error_message(err));
    mw_error_free(err);
    mw_conversation_free(conv);
    return NULL;
}

static void test_threads(mw_client *c) {
    sim_config("{\"response_duration_ms\": 100}");
    enum { N = 8 };
    pthread_t th[N];
    worker w[N];
    for (int i = 0; i < N; i++) {
        w[i] = (worker){c, i, 0, NULL};
        CHECK(pthread_create(&th[i], NULL, work, &w[i]) == 0);
    }
    for (int i = 0; i < N; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < N; i++) {
        CHECK(w[i].ok);
        for (int j = 0; j < i; j++)
            CHECK(w[i].conversation_id && w[j].conversation_id && strcmp(w[i].conversation_id, w[j].conversation_id) != 0);
    }
    for (int i = 0; i < N; i++) mw_string_free(w[i].conversation_id);
    CHECK(sim_count_requests("POST", "/responses") == N);
}

/* mw_client_close releases the pool; later calls (also on with_options copies) fail before sending. */
static void test_close(void) {
    mw_client *c = sim_client();
    mw_client *copy = NULL;
    mw_error *err = NULL;
    CHECK_STATUS(mw_client_with_options(c, 0, 0, -1, &copy, &err), MW_OK, err);
    mw_conversation *conv = NULL;
    CHECK_STATUS(mw_client_create_conversation(c, "closing", &conv, &err), MW_OK, err);
    mw_conversation_free(conv);
    CHECK(mw_client_close(c) == MW_OK);
    CHECK(mw_client_close(c) == MW_OK); /* idempotent */
    CHECK(mw_client_close(NULL) == MW_INVALID_ARGUMENT);
    int before = sim_count_requests(NULL, NULL);
    mw_conversation_page *page = NULL;
    EXPECT_ERR(mw_client_list_conversations(c, NULL, -1, MW_ARCHIVED_UNSET, &page, &err), MW_INVALID_ARGUMENT, "client");
    CHECK(page == NULL);
    EXPECT_ERR(mw_client_create_conversation(copy, "after", &conv, &err), MW_INVALID_ARGUMENT, "client");
    CHECK(sim_count_requests(NULL, NULL) == before);
    mw_client_free(copy);
    mw_client_free(c);
}

int main(void) {
    sim_load();
    sim_post("/_sim/reset", "{}");
    test_names_and_frees();
    test_panic();
    test_builder();
    sim_post("/_sim/reset", "{}");
    test_builder_set();
    sim_post("/_sim/reset", "{}");
    mw_client *c = sim_client();
    test_conversations(c);
    sim_post("/_sim/reset", "{}");
    test_responses(c);
    sim_post("/_sim/reset", "{}");
    test_unknown_values_and_events(c);
    sim_post("/_sim/reset", "{}");
    test_messages_and_feedback(c);
    sim_post("/_sim/reset", "{}");
    test_statuses(c);
    sim_post("/_sim/reset", "{}");
    test_cancel_from_thread(c);
    sim_post("/_sim/reset", "{}");
    test_stream_events(c);
    sim_post("/_sim/reset", "{}");
    test_stream_drop(c);
    sim_post("/_sim/reset", "{}");
    test_stream_cancel(c);
    sim_post("/_sim/reset", "{}");
    test_stream_unknown_and_failed(c);
    sim_post("/_sim/reset", "{}");
    test_stream_error_and_handoff(c);
    sim_post("/_sim/reset", "{}");
    test_interior_nul(c);
    sim_post("/_sim/reset", "{}");
    test_raw_message_citations(c);
    test_v1_model();
    sim_post("/_sim/reset", "{}");
    test_v1_press_and_get_event();
    sim_post("/_sim/reset", "{}");
    test_stream_errors_before_start(c);
    sim_post("/_sim/reset", "{}");
    test_stream_and_wait(c);
    sim_post("/_sim/reset", "{}");
    test_stream_abandon(c);
    sim_post("/_sim/reset", "{}");
    test_threads(c);
    mw_client_free(c);
    sim_post("/_sim/reset", "{}");
    test_close();
    sim_unload();
    return report("unit");
}
