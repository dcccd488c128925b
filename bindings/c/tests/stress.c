/*
 * Concurrency stress through the C API: one mw_client (OAuth client credentials)
 * shared by 16 pthreads doing 10,000 mixed calls, with every token revoked by the
 * simulator halfway through. Checks no errors, every result decoded into what was
 * asked for, and exactly two token requests (the first token and one refresh).
 * Then 1,000 streamed turns (8 threads) abandoned mid-stream: freeing an mw_stream
 * early must close its connection and free everything (ASan/LSan, the open
 * descriptor count).
 * A deadlock is caught by alarm(): the program fails instead of hanging CI.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>

#include "harness.h"

#define THREADS 16
#define CALLS 10000
#define DEADLOCK_TIMEOUT_S 180

static mw_client *g_client;
static long g_done_calls;

typedef struct worker {
    int index;
    int failures;
    char first_failure[512];
} worker;

static void fail(worker *w, const char *what, mw_error *err) {
    if (w->failures++ == 0) {
        snprintf(w->first_failure, sizeof w->first_failure, "%s%s%s", what, err ? ": " : "",
                 err ? mw_error_message(err) : "");
    }
    mw_error_free(err);
}

/* Records the failure and leaves call(). */
#define FAIL_RETURN(what, err) \
    do {                       \
        fail(w, what, err);    \
        return;                \
    } while (0)

/* True when the owned string equals `expected`; frees it. */
static int take_eq(char *owned, const char *expected) {
    int eq = owned && expected && strcmp(owned, expected) == 0;
    mw_string_free(owned);
    return eq;
}

/* One call of the mix, chosen by i, on this thread's conversation (*conv) and response (*resp). */
static void call(worker *w, int i, char **conv, char **resp) {
    mw_error *err = NULL;
    char title[64], *s = NULL;
    switch (i % 7) {
    case 0: {
        mw_conversation *c = NULL;
        snprintf(title, sizeof title, "t%d c%d", w->index, i);
        if (mw_client_create_conversation(g_client, title, &c, &err) != MW_OK) FAIL_RETURN("create_conversation", err);
        if (mw_conversation_title(c, &s) != MW_OK || !take_eq(s, title)) fail(w, "created title", NULL);
        mw_string_free(*conv);
        *conv = NULL;
        if (mw_conversation_id(c, conv) != MW_OK || strncmp(*conv, "conv_", 5) != 0) fail(w, "created id", NULL);
        mw_conversation_free(c);
        break;
    }
    case 1: {
        mw_conversation *c = NULL;
        if (mw_client_get_conversation(g_client, *conv, &c, &err) != MW_OK) FAIL_RETURN("get_conversation", err);
        if (mw_conversation_id(c, &s) != MW_OK || !take_eq(s, *conv)) fail(w, "got id", NULL);
        mw_conversation_free(c);
        break;
    }
    case 2: {
        mw_conversation *c = NULL;
        snprintf(title, sizeof title, "t%d u%d", w->index, i);
        if (mw_client_update_conversation(g_client, *conv, title, MW_ARCHIVED_UNSET, &c, &err) != MW_OK)
            FAIL_RETURN("update_conversation", err);
        if (mw_conversation_title(c, &s) != MW_OK || !take_eq(s, title)) fail(w, "updated title", NULL);
        mw_conversation_free(c);
        break;
    }
    case 3: {
        mw_conversation_page *page = NULL;
        size_t n = 0;
        if (mw_client_list_conversations(g_client, NULL, 5, MW_ARCHIVED_UNSET, &page, &err) != MW_OK)
            FAIL_RETURN("list_conversations", err);
        if (mw_conversation_page_count(page, &n) != MW_OK || n < 1 || n > 5) fail(w, "page size", NULL);
        for (size_t k = 0; k < n; k++) {
            const mw_conversation *c = NULL;
            s = NULL;
            if (mw_conversation_page_get(page, k, &c) != MW_OK || mw_conversation_id(c, &s) != MW_OK ||
                strncmp(s, "conv_", 5) != 0)
                fail(w, "listed conversation", NULL);
            mw_string_free(s);
        }
        mw_conversation_page_free(page);
        break;
    }
    case 4: {
        mw_event_page *page = NULL;
        size_t n = 0;
        if (mw_client_list_events(g_client, *conv, NULL, NULL, NULL, 10, &page, &err) != MW_OK)
            FAIL_RETURN("list_events", err);
        if (mw_event_page_count(page, &n) != MW_OK || n > 10) fail(w, "event page size", NULL);
        for (size_t k = 0; k < n; k++) {
            const mw_event *e = NULL;
            if (mw_event_page_get(page, k, &e) != MW_OK || mw_event_conversation_id(e, &s) != MW_OK ||
                !take_eq(s, *conv))
                fail(w, "listed event", NULL);
        }
        mw_event_page_free(page);
        break;
    }
    case 5: {
        mw_response *r = NULL;
        if (mw_client_create_response(g_client, *conv, "How do I reset my password?", &r, &err) != MW_OK)
            FAIL_RETURN("create_response", err);
        if (mw_response_conversation_id(r, &s) != MW_OK || !take_eq(s, *conv)) fail(w, "created response", NULL);
        mw_string_free(*resp);
        *resp = NULL;
        if (mw_response_id(r, resp) != MW_OK) fail(w, "response id", NULL);
        mw_response_free(r);
        break;
    }
    default: {
        mw_response *r = NULL;
        if (!*resp) break;
        if (mw_client_get_response(g_client, *conv, *resp, &r, &err) != MW_OK) FAIL_RETURN("get_response", err);
        if (mw_response_id(r, &s) != MW_OK || !take_eq(s, *resp)) fail(w, "got response", NULL);
        mw_response_free(r);
        break;
    }
    }
}

static void *work(void *arg) {
    worker *w = (worker *)arg;
    char *conv = NULL, *resp = NULL;
    mw_conversation *c = NULL;
    mw_error *err = NULL;
    if (mw_client_create_conversation(g_client, "stress", &c, &err) != MW_OK || mw_conversation_id(c, &conv) != MW_OK) {
        fail(w, "first conversation", err);
        mw_conversation_free(c);
        return NULL;
    }
    mw_conversation_free(c);
    for (int i = 1; i < CALLS / THREADS; i++) {
        call(w, i, &conv, &resp);
        /* Halfway through, every token issued so far stops working while other threads are in flight. */
        if (__atomic_fetch_add(&g_done_calls, 1, __ATOMIC_SEQ_CST) == CALLS / 2) sim_post("/_sim/tokens/revoke", "{}");
    }
    mw_string_free(conv);
    mw_string_free(resp);
    return NULL;
}

/* ---- 1,000 streams abandoned mid-stream ------------------------------------------------------ */

#define STREAM_THREADS 8
#define STREAMS 1000

static int open_fds(void) {
    int n = 0;
    for (int fd = 0; fd < 4096; fd++)
        if (fcntl(fd, F_GETFD) != -1) n++;
    return n;
}

static void *abandon_streams(void *arg) {
    worker *w = (worker *)arg;
    mw_error *err = NULL;
    mw_conversation *c = NULL;
    char *conv = NULL;
    if (mw_client_create_conversation(g_client, "streams", &c, &err) != MW_OK || mw_conversation_id(c, &conv) != MW_OK) {
        fail(w, "conversation", err);
        mw_conversation_free(c);
        return NULL;
    }
    mw_conversation_free(c);
    for (int i = 0; i < STREAMS / STREAM_THREADS; i++) {
        mw_stream *stream = NULL;
        mw_stream_event *ev = NULL;
        if (mw_client_stream_response(g_client, conv, "abandoned", NULL, &stream, &err) != MW_OK) {
            fail(w, "stream_response", err);
            err = NULL;
            continue;
        }
        /* Every other stream reads one event first; half of those are cancelled before the free. */
        if (i % 2 == 0 && (mw_stream_next(stream, &ev, &err) != MW_OK || !ev)) {
            fail(w, "first event", err);
            err = NULL;
        }
        if (i % 4 == 0) mw_stream_cancel(stream);
        mw_stream_event_free(ev);
        mw_stream_free(stream);
    }
    mw_string_free(conv);
    return NULL;
}

static void stress_streams(void) {
    sim_post("/_sim/config", "{\"response_duration_ms\": 5000}");
    int before = open_fds();
    pthread_t th[STREAM_THREADS];
    worker w[STREAM_THREADS];
    for (int i = 0; i < STREAM_THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].index = i;
        CHECK(pthread_create(&th[i], NULL, abandon_streams, &w[i]) == 0);
    }
    for (int i = 0; i < STREAM_THREADS; i++) {
        pthread_join(th[i], NULL);
        if (w[i].failures) fprintf(stderr, "stream thread %d: %d failures, first: %s\n", i, w[i].failures, w[i].first_failure);
        CHECK(w[i].failures == 0);
    }
    int after = open_fds();
    /* The pool may keep a few idle connections (the conversations' POSTs); no stream's stays open. */
    if (after > before + STREAM_THREADS) fprintf(stderr, "open descriptors: %d before, %d after\n", before, after);
    CHECK(after <= before + STREAM_THREADS);
    CHECK(sim_count_requests("POST", "/responses/stream") == STREAMS);
}

static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "stress: no result after " "180" " s: deadlock?\n";
    if (write(2, msg, sizeof msg - 1)) {}
    _exit(1);
}

int main(void) {
    sim_load();
    sim_post("/_sim/reset", "{}");
    sim_post("/_sim/config", "{\"response_duration_ms\": 50}");
    signal(SIGALRM, on_alarm);
    alarm(DEADLOCK_TIMEOUT_S);

    mw_client_builder *b = NULL;
    mw_error *err = NULL;
    CHECK_STATUS(mw_client_builder_new(&b), MW_OK, NULL);
    CHECK_STATUS(mw_client_builder_base_url(b, g_sim.base_url), MW_OK, NULL);
    CHECK_STATUS(mw_client_builder_assistant_name(b, g_sim.assistant_name), MW_OK, NULL);
    CHECK_STATUS(mw_client_builder_client_credentials(b, g_sim.client_id, g_sim.client_secret), MW_OK, NULL);
    CHECK_STATUS(mw_client_builder_token_url(b, g_sim.token_url), MW_OK, NULL);
    CHECK_STATUS(mw_client_builder_build(b, &g_client, &err), MW_OK, err);
    mw_client_builder_free(b);
    if (!g_client) return report("stress");

    pthread_t th[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].index = i;
        CHECK(pthread_create(&th[i], NULL, work, &w[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        if (w[i].failures) fprintf(stderr, "thread %d: %d failures, first: %s\n", i, w[i].failures, w[i].first_failure);
        CHECK(w[i].failures == 0);
    }
    alarm(0);
    CHECK(__atomic_load_n(&g_done_calls, __ATOMIC_SEQ_CST) == THREADS * (CALLS / THREADS - 1));
    int token_requests = sim_count_requests(NULL, "/oauth");
    if (token_requests != 2) fprintf(stderr, "token requests: %d\n", token_requests);
    CHECK(token_requests == 2); /* the first token, then one refresh after the revocation */
    stress_streams();
    mw_client_free(g_client);
    sim_unload();
    return report("stress");
}
