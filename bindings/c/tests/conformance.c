/*
 * Conformance runner for the C ABI: executes every scenario of
 * tests/conformance/scenarios.json and v1-scenarios.json against the simulator (see
 * that folder's README for the format; test.sh runs both files). Results are compared as wire JSON produced by the
 * library's mw_*_to_json functions. Unknown `call` or `sim` actions and
 * unknown matchers fail the scenario, so new scenarios cannot be skipped.
 *
 * usage: conformance <scenarios.json> [scenario-name ...]
 */
#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>

#include "harness.h"

static char g_reason[1024];

static int fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_reason, sizeof g_reason, fmt, ap);
    va_end(ap);
    return 0;
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = 0;
    fclose(f);
    return buf;
}

/* ---- references: "${name}" / "${name.a.0.b}" ---------------------------------- */

/* Resolves a reference to a saved value (borrowed), or NULL. */
static cJSON *lookup(cJSON *saved, const char *ref) {
    char *path = strdup(ref), *save = NULL;
    cJSON *cur = NULL;
    int first = 1;
    for (char *seg = strtok_r(path, ".", &save); seg; seg = strtok_r(NULL, ".", &save)) {
        if (first) {
            cur = cJSON_GetObjectItemCaseSensitive(saved, seg);
            first = 0;
        } else if (cJSON_IsArray(cur)) {
            cur = cJSON_GetArrayItem(cur, atoi(seg));
        } else {
            cur = cJSON_GetObjectItemCaseSensitive(cur, seg);
        }
        if (!cur) break;
    }
    free(path);
    return cur;
}

/* A deep copy of `v` with every "${...}" string replaced by its saved value. */
static cJSON *substitute(const cJSON *v, cJSON *saved, int *ok) {
    if (cJSON_IsString(v)) {
        const char *s = v->valuestring;
        size_t n = strlen(s);
        if (n > 3 && s[0] == '$' && s[1] == '{' && s[n - 1] == '}') {
            char *ref = strndup(s + 2, n - 3);
            cJSON *found = lookup(saved, ref);
            if (!found) {
                fail("unresolved reference %s", s);
                *ok = 0;
            }
            free(ref);
            return found ? cJSON_Duplicate(found, 1) : cJSON_CreateNull();
        }
        return cJSON_Duplicate(v, 1);
    }
    if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        cJSON *copy = cJSON_IsArray(v) ? cJSON_CreateArray() : cJSON_CreateObject();
        const cJSON *child;
        cJSON_ArrayForEach(child, v) {
            cJSON *c = substitute(child, saved, ok);
            if (cJSON_IsArray(v))
                cJSON_AddItemToArray(copy, c);
            else
                cJSON_AddItemToObject(copy, child->string, c);
        }
        return copy;
    }
    return cJSON_Duplicate(v, 1);
}

/* ---- matchers -------------------------------------------------------------------- */

static int is_matcher(const cJSON *e) {
    if (!cJSON_IsObject(e) || !e->child) return 0;
    for (const cJSON *c = e->child; c; c = c->next)
        if (c->string[0] != '$') return 0;
    return 1;
}

static size_t utf8_len(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

/* Matches `expected` against `actual` (NULL = key missing); sets g_reason on mismatch. */
static int match(const cJSON *expected, const cJSON *actual, const char *where) {
    char sub[512];
    if (is_matcher(expected)) {
        for (const cJSON *op = expected->child; op; op = op->next) {
            if (strcmp(op->string, "$absent") == 0) {
                if (actual && !cJSON_IsNull(actual)) return fail("%s: expected absent", where);
            } else if (strcmp(op->string, "$present") == 0) {
                if (!actual) return fail("%s: expected present", where);
            } else if (strcmp(op->string, "$len") == 0) {
                int n = cJSON_IsArray(actual)    ? cJSON_GetArraySize(actual)
                        : cJSON_IsString(actual) ? (int)utf8_len(actual->valuestring)
                                                 : -1;
                if (n != op->valueint) return fail("%s: length %d, expected %d", where, n, op->valueint);
            } else if (strcmp(op->string, "$contains") == 0) {
                if (!cJSON_IsString(actual) || !strstr(actual->valuestring, op->valuestring))
                    return fail("%s: does not contain \"%s\"", where, op->valuestring);
            } else if (strcmp(op->string, "$ne") == 0) {
                if (actual ? cJSON_Compare(op, actual, 1) : cJSON_IsNull(op))
                    return fail("%s: equals the $ne value", where);
            } else {
                return fail("%s: unknown matcher %s", where, op->string);
            }
        }
        return 1;
    }
    if (!actual) return fail("%s: missing", where);
    if (cJSON_IsObject(expected)) {
        if (!cJSON_IsObject(actual)) return fail("%s: not an object", where);
        for (const cJSON *c = expected->child; c; c = c->next) {
            snprintf(sub, sizeof sub, "%s.%s", where, c->string);
            if (!match(c, cJSON_GetObjectItemCaseSensitive(actual, c->string), sub)) return 0;
        }
        return 1;
    }
    if (cJSON_IsArray(expected)) {
        if (!cJSON_IsArray(actual)) return fail("%s: not an array", where);
        if (cJSON_GetArraySize(expected) != cJSON_GetArraySize(actual))
            return fail("%s: %d items, expected %d", where, cJSON_GetArraySize(actual), cJSON_GetArraySize(expected));
        int i = 0;
        for (const cJSON *e = expected->child, *a = actual->child; e; e = e->next, a = a->next, i++) {
            snprintf(sub, sizeof sub, "%s[%d]", where, i);
            if (!match(e, a, sub)) return 0;
        }
        return 1;
    }
    if (!cJSON_Compare(expected, actual, 1)) {
        char *a = cJSON_PrintUnformatted(actual), *e = cJSON_PrintUnformatted(expected);
        fail("%s: %.200s, expected %.200s", where, a, e);
        free(a);
        free(e);
        return 0;
    }
    return 1;
}

/* ---- arguments ----------------------------------------------------------------------- */

static const char *arg_s(cJSON *args, const char *key) {
    cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t arg_limit(cJSON *args, const char *key) {
    cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : MW_LIMIT_DEFAULT;
}

static int32_t arg_tristate(cJSON *args, const char *key) {
    cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);
    return cJSON_IsBool(v) ? (cJSON_IsTrue(v) ? 1 : 0) : MW_ARCHIVED_UNSET;
}

static void wait_opts(cJSON *args, mw_wait_options *o) {
    mw_wait_options_init(o);
    cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(args, "deadline_ms"))) o->deadline_ms = (uint64_t)v->valuedouble;
    if ((v = cJSON_GetObjectItemCaseSensitive(args, "initial_interval_ms"))) o->initial_interval_ms = (uint64_t)v->valuedouble;
    if ((v = cJSON_GetObjectItemCaseSensitive(args, "max_interval_ms"))) o->max_interval_ms = (uint64_t)v->valuedouble;
}

/* Parses a JSON string the library returned (and frees it). */
static cJSON *take_json(char *s) {
    cJSON *j = s ? cJSON_Parse(s) : NULL;
    mw_string_free(s);
    return j;
}

/* cancel_after_ms: a thread that calls mw_stream_cancel after `ms`, unless told to stop first. */
typedef struct canceller {
    mw_stream *stream;
    long ms;
    int stop;
    pthread_mutex_t lock;
    pthread_cond_t cond;
} canceller;

static void *cancel_after(void *arg) {
    canceller *k = (canceller *)arg;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += k->ms / 1000;
    until.tv_nsec += (k->ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&k->lock);
    int timed_out = 0;
    while (!k->stop && !timed_out) timed_out = pthread_cond_timedwait(&k->cond, &k->lock, &until) != 0;
    if (!k->stop) mw_stream_cancel(k->stream);
    pthread_mutex_unlock(&k->lock);
    return NULL;
}

/* A turn's input: `text` (a typed turn, the plain calls: *kind = -1) or `input`, exactly one
   of {"chat": s}, {"text": s}, {"callback_id": s}, {"raw": {...}} (the _input calls).
   *value is borrowed from args for text, else a new string to free. 0: not a valid spec. */
static int turn_input(cJSON *args, int *kind, char **value) {
    cJSON *input = cJSON_GetObjectItemCaseSensitive(args, "input");
    *kind = -1;
    *value = (char *)arg_s(args, "text");
    if (*value) return 1;
    if (!cJSON_IsObject(input) || !input->child || input->child->next) return fail("missing text or input");
    cJSON *v = input->child;
    static const struct { const char *key; mw_input_kind kind; } kinds[] = {
        {"chat", MW_INPUT_CHAT}, {"text", MW_INPUT_TEXT}, {"callback_id", MW_INPUT_CALLBACK}, {"raw", MW_INPUT_RAW_JSON}};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (strcmp(v->string, kinds[i].key) != 0) continue;
        *kind = (int)kinds[i].kind;
        *value = kinds[i].kind == MW_INPUT_RAW_JSON ? cJSON_PrintUnformatted(v)
                 : cJSON_IsString(v)               ? strdup(v->valuestring)
                                                   : NULL;
        return *value ? 1 : fail("input.%s must be a string", v->string);
    }
    return fail("unknown input kind %s", v->string);
}

/* stream_response: iterates the stream to its end as a user would; the result is
   {"response", "event_names", "first_event", "last_event"} (see the Rust runner). */
static mw_status stream_turn(mw_client *c, cJSON *args, cJSON **result, mw_error **err) {
    mw_stream_options o;
    mw_stream_options_init(&o);
    wait_opts(args, &o.wait);
    cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(args, "idle_timeout_ms"))) o.idle_timeout_ms = (uint64_t)v->valuedouble;
    mw_stream *stream = NULL;
    int kind;
    char *value;
    if (!turn_input(args, &kind, &value)) return MW_PANIC; /* a runner problem: g_reason says which */
    mw_status st = kind < 0 ? mw_client_stream_response(c, arg_s(args, "conversation_id"), value, &o, &stream, err)
                            : mw_client_stream_response_input(c, arg_s(args, "conversation_id"), kind, value, &o, &stream, err);
    if (kind >= 0) free(value);
    if (st != MW_OK) return st;
    canceller k = {stream, 0, 0, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};
    pthread_t th;
    int cancelling = (v = cJSON_GetObjectItemCaseSensitive(args, "cancel_after_ms")) != NULL;
    if (cancelling) {
        k.ms = (long)v->valuedouble;
        cancelling = pthread_create(&th, NULL, cancel_after, &k) == 0;
    }
    size_t cap = 256, len = 0;
    char *names = calloc(cap, 1), *first = NULL, *last = NULL;
    for (;;) {
        mw_stream_event *ev = NULL;
        st = mw_stream_next(stream, &ev, err);
        if (st != MW_OK || !ev) break;
        char *name = NULL;
        mw_stream_event_name(ev, &name);
        size_t n = strlen(name);
        while (len + n + 2 > cap) names = realloc(names, cap *= 2);
        if (len) names[len++] = ',';
        memcpy(names + len, name, n + 1);
        len += n;
        if (!first) first = strdup(name);
        free(last);
        last = strdup(name);
        mw_string_free(name);
        mw_stream_event_free(ev);
    }
    if (cancelling) {
        pthread_mutex_lock(&k.lock);
        k.stop = 1;
        pthread_cond_signal(&k.cond);
        pthread_mutex_unlock(&k.lock);
        pthread_join(th, NULL);
    }
    if (st == MW_OK) {
        const mw_response *final = NULL;
        mw_stream_response(stream, &final);
        char *json = NULL;
        if (final) mw_response_to_json(final, &json);
        *result = cJSON_CreateObject();
        cJSON_AddItemToObject(*result, "response", take_json(json));
        cJSON_AddStringToObject(*result, "event_names", names);
        cJSON_AddItemToObject(*result, "first_event", first ? cJSON_CreateString(first) : cJSON_CreateNull());
        cJSON_AddItemToObject(*result, "last_event", last ? cJSON_CreateString(last) : cJSON_CreateNull());
    }
    free(names);
    free(first);
    free(last);
    mw_stream_free(stream);
    return st;
}

/* webhook_message: parse the raw body (a JSON value stands for its encoding) and fetch its
   event with the step's client: {"delivery": {...}, "event": Event}. */
static mw_status webhook_message(mw_client *c, cJSON *args, cJSON **result, mw_error **err) {
    cJSON *b = cJSON_GetObjectItemCaseSensitive(args, "body");
    char *body = cJSON_IsString(b) ? strdup(b->valuestring) : cJSON_PrintUnformatted(b);
    mw_webhook_delivery *d = NULL;
    mw_event *ev = NULL;
    mw_status st = mw_webhook_delivery_parse((const uint8_t *)body, strlen(body), &d, err);
    free(body);
    if (st == MW_OK) st = mw_webhook_delivery_fetch(d, c, &ev, err);
    if (st == MW_OK) {
        char *id = NULL, *cid = NULL, *user = NULL, *type = NULL, *json = NULL;
        mw_webhook_delivery_id(d, &id);
        mw_webhook_delivery_conversation_id(d, &cid);
        mw_webhook_delivery_user_id(d, &user);
        mw_webhook_delivery_event_type(d, &type);
        mw_event_to_json(ev, &json);
        *result = cJSON_CreateObject();
        cJSON *delivery = cJSON_AddObjectToObject(*result, "delivery");
        cJSON_AddStringToObject(delivery, "id", id);
        cJSON_AddStringToObject(delivery, "conversation_id", cid);
        cJSON_AddStringToObject(delivery, "user_id", user);
        cJSON_AddItemToObject(delivery, "event_type", type ? cJSON_CreateString(type) : cJSON_CreateNull());
        cJSON_AddItemToObject(*result, "event", take_json(json));
        mw_string_free(id);
        mw_string_free(cid);
        mw_string_free(user);
        mw_string_free(type);
    }
    mw_event_free(ev);
    mw_webhook_delivery_free(d);
    return st;
}

/* The scenario's scratch directory for checkpoint files (made on first use). */
static char g_scratch[64];

static void scratch_remove(void) {
    if (!g_scratch[0]) return;
    DIR *dir = opendir(g_scratch);
    for (struct dirent *e; dir && (e = readdir(dir));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", g_scratch, e->d_name);
        unlink(path);
    }
    if (dir) closedir(dir);
    rmdir(g_scratch);
    g_scratch[0] = 0;
}

/* follow_events' handler: takes `handle` events, refuses the next. */
typedef struct follow_state {
    cJSON *handled;
    int left;
} follow_state;

static bool take_event(const mw_event *event, void *userdata) {
    follow_state *s = (follow_state *)userdata;
    if (s->left == 0) return false;
    s->left--;
    char *json = NULL;
    mw_event_to_json(event, &json);
    cJSON_AddItemToArray(s->handled, take_json(json));
    return true;
}

/* follow_events: a new follower (a restart) on the checkpoint file, polled once:
   {"events": [handled], "checkpoint": after}. */
static mw_status follow_events(mw_client *c, cJSON *args, cJSON **result, mw_error **err) {
    if (!g_scratch[0]) {
        strcpy(g_scratch, "/tmp/mw-c-conformance-XXXXXX");
        if (!mkdtemp(g_scratch)) g_scratch[0] = 0;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/%s", g_scratch, arg_s(args, "checkpoint"));
    mw_follow_options o;
    mw_follow_options_init(&o);
    cJSON *v;
    o.replay = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(args, "replay"));
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(args, "page_size"))) o.page_size = (uint32_t)v->valuedouble;
    follow_state state = {cJSON_CreateArray(), -1};
    if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(args, "handle"))) state.left = v->valueint;
    mw_events_follower *f = NULL;
    size_t handled = 0;
    mw_status st = mw_events_follower_new(c, path, &o, &f, err);
    if (st == MW_OK) st = mw_events_follower_poll_once(f, take_event, &state, &handled, err);
    if (st == MW_OK && handled != (size_t)cJSON_GetArraySize(state.handled)) {
        fail("poll_once counted %zu events handled, the handler took %d", handled, cJSON_GetArraySize(state.handled));
        st = MW_PANIC;
    }
    if (st == MW_OK) {
        char *checkpoint = NULL;
        mw_events_follower_checkpoint(f, &checkpoint);
        *result = cJSON_CreateObject();
        cJSON_AddItemToObject(*result, "events", state.handled);
        cJSON_AddItemToObject(*result, "checkpoint", checkpoint ? cJSON_CreateString(checkpoint) : cJSON_CreateNull());
        mw_string_free(checkpoint);
    } else {
        cJSON_Delete(state.handled);
    }
    mw_events_follower_free(f);
    return st;
}

/* ---- calls ---------------------------------------------------------------------------- */

/* CALL_RUNNER: the step itself is malformed (g_reason says why). */
typedef enum { CALL_OK, CALL_ERROR, CALL_UNKNOWN, CALL_RUNNER } call_outcome;

/* Runs one SDK call; on success *result is its wire JSON, on failure *err is set. */
static call_outcome run_call(mw_client *c, const char *name, cJSON *args, cJSON **result, mw_error **err) {
    mw_status st = MW_OK;
    char *json = NULL;
    *result = NULL;
    if (strcmp(name, "list_conversations") == 0) {
        mw_conversation_page *p = NULL;
        st = mw_client_list_conversations(c, arg_s(args, "cursor"), arg_limit(args, "limit"), arg_tristate(args, "archived"), &p, err);
        if (st == MW_OK) mw_conversation_page_to_json(p, &json);
        mw_conversation_page_free(p);
    } else if (strcmp(name, "iter_conversations") == 0) {
        mw_conversation_iter *it = NULL;
        st = mw_client_iter_conversations(c, NULL, arg_limit(args, "limit"), arg_tristate(args, "archived"), &it, err);
        cJSON *all = cJSON_CreateArray();
        while (st == MW_OK) {
            mw_conversation *conv = NULL;
            st = mw_conversation_iter_next(it, &conv, err);
            if (st != MW_OK || !conv) break;
            char *s = NULL;
            mw_conversation_to_json(conv, &s);
            cJSON_AddItemToArray(all, take_json(s));
            mw_conversation_free(conv);
        }
        mw_conversation_iter_free(it);
        if (st == MW_OK) *result = all; else cJSON_Delete(all);
    } else if (strcmp(name, "create_conversation") == 0) {
        mw_conversation *conv = NULL;
        st = mw_client_create_conversation(c, arg_s(args, "title"), &conv, err);
        if (st == MW_OK) mw_conversation_to_json(conv, &json);
        mw_conversation_free(conv);
    } else if (strcmp(name, "get_conversation") == 0) {
        mw_conversation *conv = NULL;
        st = mw_client_get_conversation(c, arg_s(args, "conversation_id"), &conv, err);
        if (st == MW_OK) mw_conversation_to_json(conv, &json);
        mw_conversation_free(conv);
    } else if (strcmp(name, "update_conversation") == 0) {
        mw_conversation *conv = NULL;
        st = mw_client_update_conversation(c, arg_s(args, "conversation_id"), arg_s(args, "title"),
                                           arg_tristate(args, "archived"), &conv, err);
        if (st == MW_OK) mw_conversation_to_json(conv, &json);
        mw_conversation_free(conv);
    } else if (strcmp(name, "list_events") == 0) {
        mw_event_page *p = NULL;
        st = mw_client_list_events(c, arg_s(args, "conversation_id"), arg_s(args, "starting_after"),
                                   arg_s(args, "ending_at"), arg_s(args, "cursor"), arg_limit(args, "limit"), &p, err);
        if (st == MW_OK) mw_event_page_to_json(p, &json);
        mw_event_page_free(p);
    } else if (strcmp(name, "iter_events") == 0) {
        mw_event_iter *it = NULL;
        st = mw_client_iter_events(c, arg_s(args, "conversation_id"), arg_s(args, "starting_after"),
                                   arg_s(args, "ending_at"), NULL, arg_limit(args, "limit"), &it, err);
        cJSON *all = cJSON_CreateArray();
        while (st == MW_OK) {
            mw_event *ev = NULL;
            st = mw_event_iter_next(it, &ev, err);
            if (st != MW_OK || !ev) break;
            char *s = NULL;
            mw_event_to_json(ev, &s);
            cJSON_AddItemToArray(all, take_json(s));
            mw_event_free(ev);
        }
        mw_event_iter_free(it);
        if (st == MW_OK) *result = all; else cJSON_Delete(all);
    } else if (strcmp(name, "list_messages") == 0 || strcmp(name, "list_response_messages") == 0) {
        mw_message_page *p = NULL;
        if (name[5] == 'm')
            st = mw_client_list_messages(c, arg_s(args, "conversation_id"), arg_s(args, "cursor"),
                                         arg_limit(args, "limit"), &p, err);
        else
            st = mw_client_list_response_messages(c, arg_s(args, "conversation_id"), arg_s(args, "response_id"),
                                                  arg_s(args, "cursor"), arg_limit(args, "limit"), &p, err);
        if (st == MW_OK) mw_message_page_to_json(p, &json);
        mw_message_page_free(p);
    } else if (strcmp(name, "iter_messages") == 0) {
        mw_message_iter *it = NULL;
        st = mw_client_iter_messages(c, arg_s(args, "conversation_id"), NULL, arg_limit(args, "limit"), &it, err);
        cJSON *all = cJSON_CreateArray();
        while (st == MW_OK) {
            mw_message *m = NULL;
            st = mw_message_iter_next(it, &m, err);
            if (st != MW_OK || !m) break;
            char *s = NULL;
            mw_message_to_json(m, &s);
            cJSON_AddItemToArray(all, take_json(s));
            mw_message_free(m);
        }
        mw_message_iter_free(it);
        if (st == MW_OK) *result = all; else cJSON_Delete(all);
    } else if (strcmp(name, "submit_feedback") == 0) {
        mw_feedback_result *r = NULL;
        st = mw_client_submit_feedback(c, arg_s(args, "conversation_id"), arg_s(args, "response_id"),
                                       arg_s(args, "message_id"), arg_s(args, "callback_id"),
                                       arg_s(args, "additional_feedback"), &r, err);
        if (st == MW_OK) mw_feedback_result_to_json(r, &json);
        mw_feedback_result_free(r);
    } else if (strcmp(name, "create_response") == 0 || strcmp(name, "create_response_and_wait") == 0) {
        mw_response *r = NULL;
        mw_wait_options o;
        int kind, waits = name[15] == '_';
        char *value;
        const char *cid = arg_s(args, "conversation_id");
        if (!turn_input(args, &kind, &value)) return CALL_RUNNER;
        wait_opts(args, &o);
        if (kind < 0)
            st = waits ? mw_client_create_response_and_wait(c, cid, value, &o, &r, err)
                       : mw_client_create_response(c, cid, value, &r, err);
        else
            st = waits ? mw_client_create_response_and_wait_input(c, cid, kind, value, &o, &r, err)
                       : mw_client_create_response_input(c, cid, kind, value, &r, err);
        if (kind >= 0) free(value);
        if (st == MW_OK) mw_response_to_json(r, &json);
        mw_response_free(r);
    } else if (strcmp(name, "get_response") == 0) {
        mw_response *r = NULL;
        st = mw_client_get_response(c, arg_s(args, "conversation_id"), arg_s(args, "response_id"), &r, err);
        if (st == MW_OK) mw_response_to_json(r, &json);
        mw_response_free(r);
    } else if (strcmp(name, "wait_for_response") == 0) {
        mw_response *r = NULL;
        mw_wait_options o;
        wait_opts(args, &o);
        st = mw_client_wait_for_response(c, arg_s(args, "conversation_id"), arg_s(args, "response_id"), &o, &r, err);
        if (st == MW_OK) mw_response_to_json(r, &json);
        mw_response_free(r);
    } else if (strcmp(name, "assistant_text") == 0 || strcmp(name, "text_with_citation_markers") == 0) {
        char *raw = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(args, "response"));
        mw_response *r = NULL;
        st = mw_response_from_json(raw, &r, err);
        free(raw);
        char *text = NULL;
        if (st == MW_OK && name[0] == 'a') {
            st = mw_response_assistant_text(r, &text);
        } else if (st == MW_OK) {
            /* The first assistant message. */
            size_t n = 0;
            mw_response_output_count(r, &n);
            for (size_t i = 0; i < n && !text; i++) {
                const mw_output_item *item = NULL;
                const mw_message *m = NULL;
                mw_actor actor;
                mw_response_output(r, i, &item);
                mw_output_item_message(item, &m);
                if (m && mw_message_actor(m, &actor) == MW_OK && actor == MW_ACTOR_ASSISTANT)
                    st = mw_message_text_with_citation_markers(m, &text);
            }
        }
        if (st == MW_OK) *result = text ? cJSON_CreateString(text) : cJSON_CreateNull();
        mw_string_free(text);
        mw_response_free(r);
    } else if (strcmp(name, "stream_response") == 0) {
        st = stream_turn(c, args, result, err);
        if (st == MW_PANIC && !*err) return CALL_RUNNER;
    } else if (strcmp(name, "get_event") == 0) {
        mw_event *ev = NULL;
        st = mw_client_get_event(c, arg_s(args, "conversation_id"), arg_s(args, "event_id"), &ev, err);
        if (st == MW_OK) mw_event_to_json(ev, &json);
        mw_event_free(ev);
    } else if (strcmp(name, "press") == 0) {
        /* The saved button, as an app that kept it between requests would have it. */
        char *raw = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(args, "action"));
        mw_action *action = NULL;
        mw_response *r = NULL;
        st = mw_action_from_json(raw, &action, err);
        free(raw);
        if (st == MW_OK) st = mw_client_press(c, arg_s(args, "conversation_id"), action, &r, err);
        if (st == MW_OK) mw_response_to_json(r, &json);
        mw_response_free(r);
        mw_action_free(action);
    } else if (strcmp(name, "get_modal") == 0) {
        mw_modal *m = NULL;
        st = mw_client_get_modal(c, arg_s(args, "conversation_id"), arg_s(args, "response_id"), arg_s(args, "message_id"),
                                 arg_s(args, "modal_id"), &m, err);
        if (st == MW_OK) mw_modal_to_json(m, &json);
        mw_modal_free(m);
    } else if (strcmp(name, "refresh_modal") == 0 || strcmp(name, "submit_modal") == 0) {
        char *values = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(args, "values"));
        const char *cid = arg_s(args, "conversation_id"), *rid = arg_s(args, "response_id"),
                   *mid = arg_s(args, "message_id"), *modal_id = arg_s(args, "modal_id");
        if (name[0] == 'r') {
            /* `previous` with where it was fetched, as refresh takes it. */
            char *previous_json = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(args, "previous"));
            mw_modal *previous = NULL, *m = NULL;
            st = mw_modal_from_json(previous_json, cid, rid, mid, modal_id, &previous, err);
            if (st == MW_OK) st = mw_client_refresh_modal(c, previous, values, &m, err);
            if (st == MW_OK) mw_modal_to_json(m, &json);
            mw_modal_free(m);
            mw_modal_free(previous);
            free(previous_json);
        } else {
            mw_modal_submit_result *r = NULL;
            st = mw_client_submit_modal(c, cid, rid, mid, modal_id, values, &r, err);
            if (st == MW_OK) mw_modal_submit_result_to_json(r, &json);
            mw_modal_submit_result_free(r);
        }
        free(values);
    } else if (strcmp(name, "webhook_message") == 0) {
        st = webhook_message(c, args, result, err);
    } else if (strcmp(name, "follow_events") == 0) {
        st = follow_events(c, args, result, err);
        if (st == MW_PANIC && !*err) return CALL_RUNNER;
    } else {
        return CALL_UNKNOWN;
    }
    if (st != MW_OK) return CALL_ERROR;
    if (!*result) *result = take_json(json);
    return CALL_OK;
}

/* ---- scenario ----------------------------------------------------------------------- */

/* The scenario's client. NULL with *build_err set when the build itself failed (for
   expect_client_error); NULL with *build_err NULL when the spec could not be applied. */
static mw_client *scenario_client(cJSON *cfg, mw_error **build_err) {
    const char *auth = arg_s(cfg, "auth");
    const char *token = arg_s(cfg, "token"), *secret = arg_s(cfg, "client_secret"), *name = arg_s(cfg, "assistant_name");
    mw_client_builder *b = NULL;
    mw_client *c = NULL;
    mw_error *err = NULL;
    *build_err = NULL;
    mw_client_builder_new(&b);
    /* Which of the simulator's URLs: the beta's unless the scenario names a generation,
       then the bare origin (the client appends the generation's path). */
    const char *api_version = arg_s(cfg, "api_version"), *base = arg_s(cfg, "base_url");
    char url[512];
    if (!base) base = api_version ? "origin" : "beta";
    if (strcmp(base, "beta") == 0)
        snprintf(url, sizeof url, "%s", g_sim.base_url);
    else if (strcmp(base, "v1") == 0)
        snprintf(url, sizeof url, "%s", g_sim.v1_base_url);
    else if (strcmp(base, "origin") == 0)
        snprintf(url, sizeof url, "%s", g_sim.origin);
    else if (base[0] == '/')
        snprintf(url, sizeof url, "%s%s", g_sim.origin, base);
    else {
        fail("unknown base_url %s", base);
        mw_client_builder_free(b);
        return NULL;
    }
    mw_client_builder_base_url(b, url);
    mw_client_builder_assistant_name(b, name ? name : g_sim.assistant_name);
    if (auth && strcmp(auth, "oauth") == 0) {
        mw_client_builder_client_credentials(b, g_sim.client_id, secret ? secret : g_sim.client_secret);
        mw_client_builder_token_url(b, g_sim.token_url);
    } else if (!auth || strcmp(auth, "token") == 0) {
        mw_client_builder_bearer_token(b, token ? token : g_sim.token);
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, "client_credentials_too")))
            mw_client_builder_client_credentials(b, g_sim.client_id, g_sim.client_secret);
    } else {
        fail("unknown client auth %s", auth);
        mw_client_builder_free(b);
        return NULL;
    }
    /* The other spec keys are core option names: through the generic key/value setter. */
    static const char *const options[] = {"max_retries", "timeout_ms", "deadline_ms", "user_agent_suffix", "api_version"};
    for (size_t i = 0; i < sizeof options / sizeof *options; i++) {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, options[i]);
        char text[32];
        const char *value = cJSON_IsString(v) ? v->valuestring : text;
        if (!v) continue;
        if (cJSON_IsNumber(v)) snprintf(text, sizeof text, "%.0f", v->valuedouble);
        if (mw_client_builder_set(b, options[i], value, &err) != MW_OK) {
            fail("client option %s: %s", options[i], mw_error_message(err));
            mw_error_free(err);
            mw_client_builder_free(b);
            return NULL;
        }
    }
    if (mw_client_builder_build(b, &c, &err) != MW_OK) *build_err = err;
    mw_client_builder_free(b);
    return c;
}

/* The mw_status whose stable name is `kind`, or -1. */
static int status_named(const char *kind) {
    for (int st = 0; st <= MW_PANIC; st++) {
        const char *name = mw_status_name(st);
        if (name && strcmp(name, kind) == 0) return st;
    }
    return -1;
}

static int check_error(cJSON *expect_error, mw_error *err) {
    const char *kind = arg_s(expect_error, "kind");
    if (!kind || strcmp(kind, mw_error_kind_name(err)) != 0)
        return fail("error kind %s, expected %s (%s)", mw_error_kind_name(err), kind ? kind : "?", mw_error_message(err));
    if (strcmp(mw_status_name(mw_error_kind(err)), kind) != 0) return fail("status name does not match kind %s", kind);
    for (cJSON *f = expect_error->child; f; f = f->next) {
        if (strcmp(f->string, "kind") == 0) continue;
        if (strcmp(f->string, "status") == 0) {
            if (mw_error_http_status(err) != f->valueint)
                return fail("error status %d, expected %d", mw_error_http_status(err), f->valueint);
        } else if (strcmp(f->string, "code") == 0 || strcmp(f->string, "argument") == 0) {
            const char *got = f->string[0] == 'c' ? mw_error_code(err) : mw_error_argument(err);
            if (!got || strcmp(got, f->valuestring) != 0)
                return fail("error %s %s, expected %s", f->string, got ? got : "(null)", f->valuestring);
        } else if (strcmp(f->string, "response_id") == 0) {
            const char *got = mw_error_response_id(err);
            if (cJSON_IsString(f)) {
                if (!got || strcmp(got, f->valuestring) != 0)
                    return fail("error response_id %s, expected %s", got ? got : "(null)", f->valuestring);
            } else if (cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(f, "$ne"))) {
                if (!got || !*got) return fail("error names no response_id (%s)", mw_error_message(err));
            } else {
                return fail("response_id must be a string or {\"$ne\": null}");
            }
        } else if (strcmp(f->string, "is_a") == 0 || strcmp(f->string, "not_a") == 0) {
            /* C has no classes: "caught by the class of k" is mw_status_is_a(status, k). */
            int want = f->string[0] == 'i';
            for (cJSON *k = f->child; k; k = k->next) {
                int ancestor = cJSON_IsString(k) ? status_named(k->valuestring) : -1;
                if (ancestor < 0) return fail("%s: unknown kind", f->string);
                if (mw_status_is_a(mw_error_kind(err), ancestor) != want)
                    return fail("error %s: expected %s %s", mw_error_kind_name(err), f->string, k->valuestring);
            }
        } else {
            return fail("unknown expect_error key %s", f->string);
        }
    }
    return 1;
}

/* Runs a sim step; `*saved_value` receives what a step that answers something (inject_event) answered. */
static int run_sim_step(const char *action, cJSON *args, cJSON **saved_value) {
    *saved_value = NULL;
    if (strcmp(action, "inject_event") == 0) {
        char *body = cJSON_PrintUnformatted(args), *answer = NULL;
        int st = sim_http("POST", "/_sim/events", body, &answer);
        free(body);
        *saved_value = st == 201 && answer ? cJSON_Parse(answer) : NULL;
        free(answer);
        return *saved_value ? 1 : fail("inject_event refused (%d)", st);
    }
    if (strcmp(action, "fault") == 0) {
        cJSON *wrap = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(wrap, "faults");
        cJSON_AddItemToArray(list, cJSON_Duplicate(args, 1));
        char *body = cJSON_PrintUnformatted(wrap);
        int st = sim_http("POST", "/_sim/faults", body, NULL);
        free(body);
        cJSON_Delete(wrap);
        return st == 200 ? 1 : fail("fault refused (%d)", st);
    }
    if (strcmp(action, "config") == 0) {
        char *body = cJSON_PrintUnformatted(args);
        int st = sim_http("POST", "/_sim/config", body, NULL);
        free(body);
        return st == 200 ? 1 : fail("config refused (%d)", st);
    }
    if (strcmp(action, "revoke_tokens") == 0) {
        return sim_http("POST", "/_sim/tokens/revoke", "{}", NULL) == 200 ? 1 : fail("revoke refused");
    }
    if (strcmp(action, "sleep") == 0) {
        cJSON *ms = cJSON_GetObjectItemCaseSensitive(args, "ms");
        struct timespec ts = {(time_t)(ms->valuedouble / 1000), (long)((int64_t)ms->valuedouble % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        return 1;
    }
    if (strcmp(action, "script") == 0) {
        /* POST /_sim/script: a scripting action (user_token, add_user_message, expire_modals, ...). */
        char *body = cJSON_PrintUnformatted(args), *answer = NULL;
        int st = sim_http("POST", "/_sim/script", body, &answer);
        free(body);
        *saved_value = st == 200 && answer ? cJSON_Parse(answer) : NULL;
        free(answer);
        return *saved_value ? 1 : fail("script %s refused (%d)", arg_s(args, "action"), st);
    }
    if (strcmp(action, "expect_requests") == 0) {
        int want = cJSON_GetObjectItemCaseSensitive(args, "count")->valueint;
        int got = sim_count_requests_ua(arg_s(args, "method"), arg_s(args, "path_contains"),
                                        arg_s(args, "user_agent_ends_with"));
        if (got != want) return fail("%d matching requests, expected %d", got, want);
        cJSON *connections = cJSON_GetObjectItemCaseSensitive(args, "connections");
        if (!connections) return 1;
        int distinct = sim_count_connections(arg_s(args, "method"), arg_s(args, "path_contains"),
                                             arg_s(args, "user_agent_ends_with"));
        return distinct == connections->valueint
                   ? 1
                   : fail("matching requests on %d connections, expected %d", distinct, connections->valueint);
    }
    return fail("unknown sim action %s", action);
}

/* ---- users: per-user views with a token provider ---------------------------------- */

typedef struct user_view {
    const char *name;
    mw_client *client;
} user_view;

/* The provider: the bearer the simulator minted for this view's user (its userdata). */
static int minted_token(mw_user_token *token, void *userdata) {
    return mw_user_token_set(token, (const char *)userdata, 0);
}

/* for_user with a provider returning the token `user_token` mints for `user`; NULL on failure. */
static mw_client *user_view_of(mw_client *c, const char *user) {
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "action", "user_token");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(req, "args"), "user_id", user);
    char *body = cJSON_PrintUnformatted(req), *answer = NULL;
    int st = sim_http("POST", "/_sim/script", body, &answer);
    free(body);
    cJSON_Delete(req);
    cJSON *minted = st == 200 && answer ? cJSON_Parse(answer) : NULL;
    free(answer);
    const char *token = arg_s(minted, "token");
    mw_client *view = NULL;
    mw_error *err = NULL;
    if (!token)
        fail("user_token answered no token (%d)", st);
    else if (mw_client_for_user(c, minted_token, strdup(token), free, &view, &err) != MW_OK)
        fail("for_user: %s", mw_error_message(err));
    mw_error_free(err);
    cJSON_Delete(minted);
    return view;
}

static int run_scenario(cJSON *scenario) {
    sim_post("/_sim/reset", "{}");
    mw_error *build_err = NULL;
    mw_client *c = scenario_client(cJSON_GetObjectItemCaseSensitive(scenario, "client"), &build_err);
    cJSON *expect_client_error = cJSON_GetObjectItemCaseSensitive(scenario, "expect_client_error");
    if (!c && !build_err) return 0;
    if (build_err) {
        int matched = expect_client_error ? check_error(expect_client_error, build_err)
                                          : fail("client: %s", mw_error_message(build_err));
        mw_error_free(build_err);
        if (!matched) return 0;
    } else if (expect_client_error) {
        mw_client_free(c);
        return fail("the client was built, expected an error");
    }
    user_view users[8];
    int n_users = 0, ok = 1, index = 0;
    cJSON *user;
    cJSON_ArrayForEach(user, cJSON_GetObjectItemCaseSensitive(scenario, "users")) {
        if (!c || !cJSON_IsString(user) || n_users == 8) {
            ok = fail("`users` needs a built client and at most 8 user names");
            break;
        }
        users[n_users].name = user->valuestring;
        users[n_users].client = user_view_of(c, user->valuestring);
        if (!users[n_users++].client) ok = 0;
    }
    cJSON *saved = cJSON_CreateObject();
    cJSON *step;
    cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(scenario, "steps")) {
        if (!ok) break;
        int subst_ok = 1;
        cJSON *args = substitute(cJSON_GetObjectItemCaseSensitive(step, "args"), saved, &subst_ok);
        if (!cJSON_IsObject(args)) {
            cJSON_Delete(args);
            args = cJSON_CreateObject();
        }
        const char *sim = arg_s(step, "sim"), *call = arg_s(step, "call"), *as = arg_s(step, "as");
        mw_client *on = c;
        if (as) {
            on = NULL;
            for (int i = 0; i < n_users; i++)
                if (strcmp(users[i].name, as) == 0) on = users[i].client;
        }
        if (!subst_ok) {
            ok = 0;
        } else if (sim) {
            cJSON *answer = NULL;
            ok = run_sim_step(sim, args, &answer);
            const char *save_as = arg_s(step, "save_as");
            if (ok && save_as && !answer) {
                ok = fail("sim %s answers nothing to save", sim);
            } else if (ok && save_as) {
                cJSON_DeleteItemFromObjectCaseSensitive(saved, save_as);
                cJSON_AddItemToObject(saved, save_as, answer);
                answer = NULL;
            }
            cJSON_Delete(answer);
        } else if (call && !on) {
            ok = as ? fail("no client for user %s (see `users`)", as) : fail("a call step, but the client failed to build");
        } else if (call) {
            cJSON *result = NULL;
            mw_error *err = NULL;
            call_outcome out = run_call(on, call, args, &result, &err);
            cJSON *expect_error = cJSON_GetObjectItemCaseSensitive(step, "expect_error");
            if (out == CALL_UNKNOWN) {
                ok = fail("unknown call %s", call);
            } else if (out == CALL_RUNNER) {
                ok = 0;
            } else if (expect_error) {
                if (out != CALL_ERROR) {
                    ok = fail("%s succeeded, expected an error", call);
                } else {
                    cJSON *e = substitute(expect_error, saved, &subst_ok);
                    ok = subst_ok && check_error(e, err);
                    cJSON_Delete(e);
                }
            } else if (out == CALL_ERROR) {
                ok = fail("%s failed: %s: %s", call, mw_error_kind_name(err), mw_error_message(err));
            } else if (!result) {
                ok = fail("%s returned no JSON", call);
            } else {
                cJSON *expect = cJSON_GetObjectItemCaseSensitive(step, "expect");
                if (expect) {
                    cJSON *e = substitute(expect, saved, &subst_ok);
                    ok = subst_ok && match(e, result, call);
                    cJSON_Delete(e);
                }
                const char *save_as = arg_s(step, "save_as");
                if (ok && save_as) {
                    cJSON_DeleteItemFromObjectCaseSensitive(saved, save_as);
                    cJSON_AddItemToObject(saved, save_as, result);
                    result = NULL;
                }
            }
            cJSON_Delete(result);
            mw_error_free(err);
        } else {
            ok = fail("step has neither call nor sim");
        }
        cJSON_Delete(args);
        if (!ok) {
            char msg[sizeof g_reason];
            memcpy(msg, g_reason, sizeof msg);
            snprintf(g_reason, sizeof g_reason, "step %d: %.900s", index, msg);
            break;
        }
        index++;
    }
    cJSON_Delete(saved);
    for (int i = 0; i < n_users; i++) mw_client_free(users[i].client);
    mw_client_free(c);
    scratch_remove();
    return ok;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s scenarios.json [name ...]\n", argv[0]);
        return 2;
    }
    sim_load();
    char *text = read_file(argv[1]);
    cJSON *doc = text ? cJSON_Parse(text) : NULL;
    free(text);
    cJSON *scenarios = cJSON_GetObjectItemCaseSensitive(doc, "scenarios");
    if (!cJSON_IsArray(scenarios) || cJSON_GetArraySize(scenarios) == 0) {
        fprintf(stderr, "no scenarios in %s\n", argv[1]);
        return 2;
    }
    cJSON *s;
    cJSON_ArrayForEach(s, scenarios) {
        const char *name = arg_s(s, "name");
        if (argc > 2) {
            int wanted = 0;
            for (int i = 2; i < argc; i++) wanted |= strcmp(argv[i], name) == 0;
            if (!wanted) continue;
        }
        g_reason[0] = 0;
        if (run_scenario(s)) {
            g_passed++;
        } else {
            g_failed++;
            fprintf(stderr, "FAIL scenario %s: %s\n", name, g_reason);
        }
    }
    cJSON_Delete(doc);
    sim_unload();
    return report("conformance");
}
