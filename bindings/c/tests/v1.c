/*
 * rest/v1 tests of the C ABI against the simulator (MW_SIM_JSON): per-user views and
 * their token provider callback, explicit inputs, forms, webhook deliveries and the
 * events follower with a store of the application's. The conformance runner covers the
 * calls' results; these cover what only C has: callbacks, ownership of userdata,
 * borrowed handles and argument checks.
 */
#include <pthread.h>
#include <time.h>

#include "harness.h"

/* ---- helpers -------------------------------------------------------------------- */

/* A rest/v1 client on the simulator's origin, with its static token (user_sim). */
static mw_client *v1_client(void) {
    mw_client_builder *b = NULL;
    mw_client *c = NULL;
    mw_error *err = NULL;
    mw_client_builder_new(&b);
    mw_client_builder_base_url(b, g_sim.origin);
    mw_client_builder_assistant_name(b, g_sim.assistant_name);
    mw_client_builder_bearer_token(b, g_sim.token);
    mw_client_builder_set(b, "api_version", "v1", NULL);
    if (mw_client_builder_build(b, &c, &err) != MW_OK) {
        fprintf(stderr, "could not build a v1 client: %s\n", mw_error_message(err));
        exit(2);
    }
    mw_client_builder_free(b);
    return c;
}

/* POST /_sim/script; the answer (caller frees) or NULL. */
static cJSON *sim_script(const char *action, cJSON *args) {
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "action", action);
    cJSON_AddItemToObject(req, "args", args ? args : cJSON_CreateObject());
    char *body = cJSON_PrintUnformatted(req), *answer = NULL;
    int st = sim_http("POST", "/_sim/script", body, &answer);
    free(body);
    cJSON_Delete(req);
    cJSON *j = st == 200 && answer ? cJSON_Parse(answer) : NULL;
    free(answer);
    return j;
}

/* The bearer the simulator mints for `user` (caller frees). */
static char *minted_for(const char *user) {
    cJSON *args = cJSON_CreateObject();
    cJSON_AddStringToObject(args, "user_id", user);
    cJSON *j = sim_script("user_token", args);
    cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "token");
    char *token = cJSON_IsString(t) ? strdup(t->valuestring) : NULL;
    cJSON_Delete(j);
    return token;
}

/* POST /_sim/events: a system message in the conversation's feed; its event id (caller frees). */
static char *inject(const char *conversation_id, const char *text) {
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "conversation_id", conversation_id);
    cJSON_AddStringToObject(req, "text", text);
    char *body = cJSON_PrintUnformatted(req), *answer = NULL;
    sim_http("POST", "/_sim/events", body, &answer);
    free(body);
    cJSON_Delete(req);
    cJSON *j = answer ? cJSON_Parse(answer) : NULL;
    free(answer);
    cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "event_id");
    char *event_id = cJSON_IsString(id) ? strdup(id->valuestring) : NULL;
    cJSON_Delete(j);
    return event_id;
}

static char *new_conversation(mw_client *c) {
    mw_conversation *conv = NULL;
    char *id = NULL;
    if (mw_client_create_conversation(c, NULL, &conv, NULL) == MW_OK) mw_conversation_id(conv, &id);
    mw_conversation_free(conv);
    return id;
}

/* The laptop answer of a new conversation (the assistant message is output 1). */
static mw_response *laptop_answer(mw_client *c, char **conversation_id) {
    mw_response *r = NULL;
    mw_error *err = NULL;
    *conversation_id = new_conversation(c);
    CHECK_STATUS(mw_client_create_response_and_wait(c, *conversation_id, "I need a new laptop", NULL, &r, &err), MW_OK, err);
    mw_error_free(err);
    return r;
}

static const mw_message *output_message(const mw_response *r, size_t index) {
    const mw_output_item *item = NULL;
    const mw_message *m = NULL;
    mw_response_output(r, index, &item);
    mw_output_item_message(item, &m);
    return m;
}

/* ---- per-user views ---------------------------------------------------------------- */

typedef struct provider_state {
    char *token;
    int calls, frees;
    int status; /* what the callback returns */
    int set;    /* whether it sets the token */
} provider_state;

static int provider(mw_user_token *token, void *userdata) {
    provider_state *s = (provider_state *)userdata;
    s->calls++;
    if (s->set && mw_user_token_set(token, s->token, 3600) != MW_OK) return MW_PANIC;
    return s->status;
}

static void provider_free(void *userdata) { ((provider_state *)userdata)->frees++; }

static void test_for_user(void) {
    sim_post("/_sim/reset", "{}");
    mw_client *c = v1_client(), *alice = NULL, *alice_fast = NULL, *bob = NULL;
    mw_error *err = NULL;
    provider_state s = {minted_for("u_alice"), 0, 0, MW_OK, 1};
    CHECK_STATUS(mw_client_for_user(c, provider, &s, provider_free, &alice, &err), MW_OK, err);
    CHECK(s.calls == 0); /* nothing asked before the first call */
    /* Two calls, and one on a client made from the view: one token, cached. */
    char *cid = new_conversation(alice);
    CHECK(cid != NULL);
    mw_conversation *conv = NULL;
    CHECK_STATUS(mw_client_get_conversation(alice, cid, &conv, &err), MW_OK, err);
    mw_conversation_free(conv);
    CHECK_STATUS(mw_client_with_options(alice, 5000, 0, -1, &alice_fast, &err), MW_OK, err);
    CHECK_STATUS(mw_client_get_conversation(alice_fast, cid, &conv, &err), MW_OK, err);
    mw_conversation_free(conv);
    CHECK(s.calls == 1);
    /* The scenario's own client (user_sim) does not see alice's conversation. */
    CHECK_STATUS(mw_client_get_conversation(c, cid, &conv, &err), MW_NOT_FOUND, err);
    mw_error_free(err);
    err = NULL;
    /* userdata_free runs once, when the last handle sharing it goes. */
    mw_client_free(alice);
    CHECK(s.frees == 0);
    mw_client_free(alice_fast);
    CHECK(s.frees == 1);

    /* A failing callback fails the call with MW_OAUTH, and nothing is sent. */
    int before = sim_count_requests(NULL, "/conversations");
    provider_state failing = {s.token, 0, 0, MW_PERMISSION_DENIED, 0};
    CHECK_STATUS(mw_client_for_user(c, provider, &failing, provider_free, &bob, &err), MW_OK, err);
    CHECK_STATUS(mw_client_list_conversations(bob, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, NULL, &err), MW_INVALID_ARGUMENT, err);
    mw_error_free(err);
    mw_conversation_page *page = NULL;
    CHECK_STATUS(mw_client_list_conversations(bob, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &page, &err), MW_OAUTH, err);
    CHECK(err && strstr(mw_error_message(err), "permission_denied") != NULL);
    CHECK(err && strstr(mw_error_message(err), s.token) == NULL); /* never the token */
    mw_error_free(err);
    /* MW_OK without a token is a failure too. */
    failing.status = MW_OK;
    CHECK_STATUS(mw_client_list_conversations(bob, NULL, MW_LIMIT_DEFAULT, MW_ARCHIVED_UNSET, &page, &err), MW_OAUTH, err);
    mw_error_free(err);
    CHECK(sim_count_requests(NULL, "/conversations") == before);
    CHECK(failing.calls == 2);
    mw_client_free(bob);
    CHECK(failing.frees == 1);

    /* Bad arguments: userdata_free still runs, before the call returns. */
    provider_state unused = {NULL, 0, 0, MW_OK, 0};
    CHECK_STATUS(mw_client_for_user(c, NULL, &unused, provider_free, &bob, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "provider");
    mw_error_free(err);
    CHECK(unused.frees == 1);
    CHECK_STATUS(mw_client_for_user(NULL, provider, &unused, provider_free, &bob, NULL), MW_INVALID_ARGUMENT, NULL);
    CHECK(unused.frees == 2);
    CHECK_STATUS(mw_client_for_user(c, provider, &unused, NULL, NULL, NULL), MW_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(mw_user_token_set(NULL, "x", 0), MW_INVALID_ARGUMENT, NULL);

    /* A fixed bearer: sent as is, a 401 is the call's error. */
    mw_client *fixed = NULL;
    CHECK_STATUS(mw_client_for_user_token(c, s.token, &fixed, &err), MW_OK, err);
    CHECK_STATUS(mw_client_get_conversation(fixed, cid, &conv, &err), MW_OK, err);
    mw_conversation_free(conv);
    mw_client_free(fixed);
    CHECK_STATUS(mw_client_for_user_token(c, "", &fixed, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "token");
    mw_error_free(err);
    CHECK_STATUS(mw_client_for_user_token(c, "not-a-minted-token", &fixed, &err), MW_OK, err);
    CHECK_STATUS(mw_client_get_conversation(fixed, cid, &conv, &err), MW_AUTHENTICATION, err);
    mw_error_free(err);
    mw_client_free(fixed);

    mw_string_free(cid);
    free(s.token);
    mw_client_free(c);
}

/* ---- inputs -------------------------------------------------------------------------- */

static int count_events(const mw_stream_event *event, void *userdata) {
    (void)event;
    ++*(int *)userdata;
    return 0;
}

static void test_inputs(void) {
    sim_post("/_sim/reset", "{}");
    mw_client *c = v1_client();
    mw_error *err = NULL;
    char *cid = NULL, *callback_id = NULL, *text = NULL;
    mw_response *r = laptop_answer(c, &cid), *pressed = NULL;
    const mw_action *file_it = NULL;
    mw_message_action(output_message(r, 1), 0, &file_it);
    mw_action_callback_id(file_it, &callback_id);
    /* The press as an explicit callback input, streamed with a callback. */
    int events = 0;
    CHECK_STATUS(mw_client_stream_response_and_wait_input(c, cid, MW_INPUT_CALLBACK, callback_id, NULL, count_events,
                                                          &events, &pressed, &err),
                 MW_OK, err);
    CHECK(events > 0);
    mw_response_assistant_text(pressed, &text);
    CHECK(text && strstr(text, "Filed ticket INC") != NULL);
    /* Argument checks, before anything is sent. */
    int before = sim_count_requests("POST", "/responses");
    mw_response *none = NULL;
    CHECK_STATUS(mw_client_create_response_input(c, cid, MW_INPUT_RAW_JSON, "{not json", &none, &err), MW_DECODE, err);
    mw_error_free(err);
    CHECK_STATUS(mw_client_create_response_input(c, cid, MW_INPUT_RAW_JSON, "[1]", &none, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "input");
    mw_error_free(err);
    CHECK_STATUS(mw_client_create_response_input(c, cid, 42, "hi", &none, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "kind");
    mw_error_free(err);
    CHECK_STATUS(mw_client_create_response_input(c, cid, MW_INPUT_CHAT, NULL, &none, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "value");
    mw_error_free(err);
    CHECK(sim_count_requests("POST", "/responses") == before);
    CHECK(none == NULL);
    mw_string_free(text);
    mw_string_free(callback_id);
    mw_string_free(cid);
    mw_response_free(pressed);
    mw_response_free(r);
    mw_client_free(c);
}

/* ---- forms ------------------------------------------------------------------------------ */


static const mw_modal_field *field_named(const mw_modal *m, const char *name) {
    const mw_modal_field *f = NULL;
    CHECK_STATUS(mw_modal_field_by_name(m, name, &f), MW_OK, NULL);
    return f;
}

static void test_forms(void) {
    sim_post("/_sim/reset", "{}");
    mw_client *c = v1_client();
    mw_error *err = NULL;
    char *cid = NULL, *rid = NULL, *mid = NULL, *modal_id = NULL, *s = NULL;
    mw_response *r = laptop_answer(c, &cid);
    const mw_message *m = output_message(r, 1);
    const mw_action *edit = NULL;
    mw_message_action(m, 1, &edit);
    mw_action_modal_id(edit, &modal_id);
    mw_message_response_id(m, &rid);
    mw_message_id(m, &mid);
    mw_modal *form = NULL, *refreshed = NULL;
    CHECK_STATUS(mw_client_get_modal(c, cid, rid, mid, modal_id, &form, &err), MW_OK, err);
    mw_modal_title(form, &s);
    CHECK_STR(s, ":memo: New laptop request");
    mw_string_free(s);
    mw_modal_request_id(form, &s);
    CHECK(s != NULL);
    mw_string_free(s);
    size_t n = 0;
    CHECK_STATUS(mw_modal_field_count(form, &n), MW_OK, NULL);
    CHECK(n == 4);
    const mw_modal_field *f = NULL;
    CHECK_STATUS(mw_modal_field_at(form, 4, &f), MW_INVALID_ARGUMENT, NULL);
    CHECK(mw_modal_field_at(form, 1, &f) == MW_OK && f == field_named(form, "model"));
    mw_modal_field_name(f, &s);
    CHECK_STR(s, "model");
    mw_string_free(s);
    CHECK(field_named(form, "no_such_field") == NULL);
    CHECK_STATUS(mw_modal_field_by_name(form, NULL, &f), MW_INVALID_ARGUMENT, NULL);
    const mw_modal_field *model = field_named(form, "model"), *intro = field_named(form, "intro");
    const mw_modal_field *needed_by = field_named(form, "needed_by");
    bool b = false;
    mw_modal_field_type_name(model, &s);
    CHECK_STR(s, "CHOICE");
    mw_string_free(s);
    mw_modal_field_label(model, &s);
    CHECK_STR(s, "Model");
    mw_string_free(s);
    mw_modal_field_label(intro, &s);
    CHECK(s == NULL);
    CHECK(mw_modal_field_is_required(model, &b) == MW_OK && b);
    CHECK(mw_modal_field_triggers_refresh(model, &b) == MW_OK && b);
    CHECK(mw_modal_field_is_visible(needed_by, &b) == MW_OK && !b);
    mw_modal_field_to_json(model, &s);
    CHECK(s && strstr(s, "\"display_value\":\"ThinkPad\"") != NULL);
    mw_string_free(s);
    /* A person's text as the field's value: the display value maps to the option. */
    CHECK_STATUS(mw_modal_field_value_from_text(model, "MacBook Pro", &s, &err), MW_OK, err);
    CHECK_STR(s, "{\"option\":\"mac\"}");
    char values[256];
    snprintf(values, sizeof values, "{\"model\": %s, \"reason\": {\"text\": \"\"}}", s);
    mw_string_free(s);
    CHECK_STATUS(mw_modal_field_value_from_text(intro, "x", &s, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "intro");
    mw_error_free(err);
    CHECK_STATUS(mw_modal_field_value_from_text(model, "Chromebook", &s, &err), MW_INVALID_ARGUMENT, err);
    mw_error_free(err);
    /* Refresh: needed_by appears, the choice options are re-applied. */
    CHECK_STATUS(mw_client_refresh_modal(c, form, values, &refreshed, &err), MW_OK, err);
    CHECK(mw_modal_field_is_visible(field_named(refreshed, "needed_by"), &b) == MW_OK && b);
    mw_modal_field_to_json(field_named(refreshed, "model"), &s);
    CHECK(s && strstr(s, "\"display_value\":\"ThinkPad\"") != NULL);
    mw_string_free(s);
    CHECK_STATUS(mw_client_refresh_modal(c, form, "[]", &refreshed, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "values");
    mw_error_free(err);
    CHECK_STATUS(mw_client_refresh_modal(c, NULL, "{}", &refreshed, &err), MW_INVALID_ARGUMENT, err);
    mw_error_free(err);
    /* Submit, then the id is stale: MW_NOT_FOUND saying to re-read the message. */
    mw_modal_submit_result *result = NULL;
    CHECK_STATUS(mw_client_submit_modal(c, cid, rid, mid, modal_id, "{\"model\": {\"option\": \"win\"}}", &result, &err),
                 MW_OK, err);
    mw_modal_submit_result_status_name(result, &s);
    CHECK_STR(s, "SUBMITTED");
    mw_string_free(s);
    mw_modal_submit_result_receipt_text(result, &s);
    CHECK(s == NULL);
    mw_modal_submit_result_to_json(result, &s);
    CHECK_STR(s, "{\"status\":\"SUBMITTED\"}");
    mw_string_free(s);
    mw_modal_submit_result_free(result);
    mw_modal *again = NULL;
    CHECK_STATUS(mw_client_get_modal(c, cid, rid, mid, modal_id, &again, &err), MW_NOT_FOUND, err);
    CHECK(err && strstr(mw_error_message(err), "stale") != NULL);
    mw_error_free(err);
    /* A form kept as JSON knows where it lives again; without a source it has no request id. */
    mw_modal *kept = NULL;
    mw_modal_to_json(form, &s);
    CHECK_STATUS(mw_modal_from_json(s, cid, rid, mid, modal_id, &kept, &err), MW_OK, err);
    mw_string_free(s);
    mw_modal_request_id(kept, &s);
    CHECK(s == NULL);
    CHECK_STATUS(mw_modal_from_json("{", cid, rid, mid, modal_id, &again, &err), MW_DECODE, err);
    mw_error_free(err);
    mw_modal_free(kept);
    mw_modal_free(refreshed);
    mw_modal_free(form);
    mw_modal_free(NULL);
    mw_modal_submit_result_free(NULL);
    mw_string_free(cid);
    mw_string_free(rid);
    mw_string_free(mid);
    mw_string_free(modal_id);
    mw_response_free(r);
    mw_client_free(c);
}

/* ---- webhook ------------------------------------------------------------------------------ */

static void test_webhook(void) {
    static const char body[] = "{\"id\": \"evt_1\", \"type\": \"SOMETHING_ELSE\", "
                               "\"data\": {\"conversation_id\": \"conv_1\", \"user_id\": \"u_alice\"}}";
    mw_webhook_delivery *d = NULL;
    mw_error *err = NULL;
    char *s = NULL;
    bool b = true;
    /* The body need not be NUL-terminated: only `len` bytes are read. */
    CHECK_STATUS(mw_webhook_delivery_parse((const uint8_t *)body, sizeof body - 1, &d, &err), MW_OK, err);
    mw_webhook_delivery_id(d, &s);
    CHECK_STR(s, "evt_1");
    mw_string_free(s);
    mw_webhook_delivery_conversation_id(d, &s);
    CHECK_STR(s, "conv_1");
    mw_string_free(s);
    mw_webhook_delivery_user_id(d, &s);
    CHECK_STR(s, "u_alice");
    mw_string_free(s);
    mw_webhook_delivery_event_type(d, &s);
    CHECK_STR(s, "SOMETHING_ELSE");
    mw_string_free(s);
    CHECK(mw_webhook_delivery_is_conversation_response(d, &b) == MW_OK && !b);
    mw_webhook_delivery_free(d);
    CHECK_STATUS(mw_webhook_delivery_parse((const uint8_t *)body, 10, &d, &err), MW_DECODE, err);
    CHECK(err && mw_error_body_excerpt(err) != NULL);
    mw_error_free(err);
    CHECK_STATUS(mw_webhook_delivery_parse(NULL, 3, &d, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "body");
    mw_error_free(err);
    CHECK_STATUS(mw_webhook_delivery_parse(NULL, 0, &d, &err), MW_DECODE, err);
    mw_error_free(err);
    CHECK_STATUS(mw_webhook_delivery_fetch(NULL, NULL, NULL, NULL), MW_INVALID_ARGUMENT, NULL);
    mw_webhook_delivery_free(NULL);
}

/* ---- follower with a store of the application's ------------------------------------------- */

typedef struct store {
    char saved[128];
    int has, saves, frees, fail_load;
} store;

static int store_load(void *userdata, mw_checkpoint *out) {
    store *s = (store *)userdata;
    if (s->fail_load) return MW_CONNECTION;
    return s->has ? mw_checkpoint_set(out, s->saved) : MW_OK;
}

static int store_save(void *userdata, const char *checkpoint) {
    store *s = (store *)userdata;
    snprintf(s->saved, sizeof s->saved, "%s", checkpoint);
    s->has = 1;
    s->saves++;
    return MW_OK;
}

static void store_free(void *userdata) { ((store *)userdata)->frees++; }

typedef struct handled {
    int count, cancel_after;
    mw_events_follower *follower;
} handled;

static bool handle(const mw_event *event, void *userdata) {
    handled *h = (handled *)userdata;
    (void)event;
    h->count++;
    if (h->cancel_after && h->count == h->cancel_after) mw_events_follower_cancel(h->follower);
    return true;
}

static void *cancel_later(void *arg) {
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL);
    mw_events_follower_cancel((mw_events_follower *)arg);
    return NULL;
}

static void test_follower(void) {
    sim_post("/_sim/reset", "{}");
    mw_client *c = v1_client();
    mw_error *err = NULL;
    char *cid = new_conversation(c), *e1 = inject(cid, "one"), *s = NULL;
    store st = {"", 0, 0, 0, 0};
    mw_follow_options o;
    mw_follow_options_init(&o);
    CHECK(o.page_size == 100 && o.interval_ms == 6000 && !o.replay);
    o.interval_ms = 20;
    mw_events_follower *f = NULL;
    CHECK_STATUS(mw_events_follower_new_with_store(c, store_load, store_save, &st, store_free, &o, &f, &err), MW_OK, err);
    mw_events_follower_checkpoint(f, &s);
    CHECK(s == NULL); /* before the first poll */
    /* The catch-up: nothing delivered, the newest id saved. */
    handled h = {0, 0, f};
    size_t n = 99;
    CHECK_STATUS(mw_events_follower_poll_once(f, handle, &h, &n, &err), MW_OK, err);
    CHECK(n == 0 && h.count == 0);
    CHECK_STR(st.saved, e1);
    /* The pull form: an event counts as handled once the next is asked for, or on commit. */
    char *e2 = inject(cid, "two"), *e3 = inject(cid, "three");
    mw_event *ev = NULL;
    CHECK_STATUS(mw_events_follower_next(f, &ev, &err), MW_OK, err);
    mw_event_id(ev, &s);
    CHECK_STR(s, e2);
    mw_string_free(s);
    mw_event_free(ev);
    CHECK_STR(st.saved, e1);
    CHECK_STATUS(mw_events_follower_commit(f, &err), MW_OK, err);
    CHECK_STR(st.saved, e2);
    /* run until a handler cancels: e3 handled and saved. */
    h.cancel_after = 1;
    CHECK_STATUS(mw_events_follower_run(f, handle, &h, &err), MW_OK, err);
    CHECK(h.count == 1);
    CHECK_STR(st.saved, e3);
    mw_events_follower_checkpoint(f, &s);
    CHECK_STR(s, e3);
    mw_string_free(s);
    /* Once cancelled: next gives NULL, poll_once MW_CANCELLED. */
    CHECK_STATUS(mw_events_follower_next(f, &ev, &err), MW_OK, err);
    CHECK(ev == NULL);
    CHECK_STATUS(mw_events_follower_poll_once(f, handle, &h, NULL, &err), MW_CANCELLED, err);
    mw_error_free(err);
    CHECK(st.frees == 0);
    mw_events_follower_free(f);
    CHECK(st.frees == 1);

    /* A restart on the same store goes on after e3; another thread's cancel ends a run
       blocked between polls. */
    char *e4 = inject(cid, "four");
    CHECK_STATUS(mw_events_follower_new_with_store(c, store_load, store_save, &st, NULL, &o, &f, &err), MW_OK, err);
    h.count = 0;
    h.cancel_after = 0;
    h.follower = f;
    pthread_t th;
    pthread_create(&th, NULL, cancel_later, f);
    CHECK_STATUS(mw_events_follower_run(f, handle, &h, &err), MW_OK, err);
    pthread_join(th, NULL);
    CHECK(h.count == 1);
    CHECK_STR(st.saved, e4);
    mw_events_follower_free(f);
    CHECK(st.frees == 1);

    /* A store that fails: MW_INVALID_ARGUMENT naming the checkpoint. */
    st.fail_load = 1;
    CHECK_STATUS(mw_events_follower_new_with_store(c, store_load, store_save, &st, store_free, NULL, &f, &err), MW_OK, err);
    CHECK_STATUS(mw_events_follower_poll_once(f, handle, &h, NULL, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "checkpoint");
    CHECK(err && strstr(mw_error_message(err), "connection") != NULL);
    mw_error_free(err);
    mw_events_follower_free(f);
    CHECK(st.frees == 2);
    /* Bad arguments: userdata_free runs before the call returns. */
    CHECK_STATUS(mw_events_follower_new_with_store(c, NULL, store_save, &st, store_free, NULL, &f, &err),
                 MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "load");
    mw_error_free(err);
    CHECK(st.frees == 3);
    o.page_size = 0;
    CHECK_STATUS(mw_events_follower_new(c, "/tmp/unused-checkpoint", &o, &f, &err), MW_INVALID_ARGUMENT, err);
    CHECK_STR(mw_error_argument(err), "page_size");
    mw_error_free(err);
    CHECK_STATUS(mw_events_follower_poll_once(NULL, handle, NULL, NULL, NULL), MW_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(mw_checkpoint_set(NULL, "x"), MW_INVALID_ARGUMENT, NULL);
    mw_events_follower_free(NULL);

    free(e1);
    free(e2);
    free(e3);
    free(e4);
    mw_string_free(cid);
    mw_client_free(c);
}

int main(void) {
    sim_load();
    test_for_user();
    test_inputs();
    test_forms();
    test_webhook();
    test_follower();
    sim_unload();
    return report("v1");
}
