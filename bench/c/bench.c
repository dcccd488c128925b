/* C benchmark program (see bench/PROTOCOL.md): `c.sdk` (libmoveworks through
 * include/moveworks.h) against `c.libcurl` (what a user would hand-write: one reused
 * libcurl easy handle, the body collected in a buffer and decoded with cJSON).
 *
 * usage: bench <latency|rss|stream|stream_rss> --base-url URL --token T --assistant N --conversation ID
 *              [--warmup N --iterations N | --calls N | --streams N]
 * `stream` (row `c.sdk.stream`): the time from the simulator writing a streamed
 * answer's first RESPONSE_OUTPUT_DELTA (GET /_sim/stream_marks) to mw_stream_next handing it
 * over, CLOCK_MONOTONIC on both sides; `stream_rss`: RSS and open fds before and
 * after N streams read to their first event and freed.
 * Latency batches alternate between the two clients, so background load on a shared
 * machine hits both alike. Exits non-zero when any call fails or names the wrong
 * conversation. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "moveworks.h"

static const char *base_url, *token, *assistant, *conversation;

static void die(const char *what, const char *detail) {
    fprintf(stderr, "bench-c: %s: %s\n", what, detail ? detail : "");
    exit(1);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- c.sdk ---- */
static struct mw_client *sdk_client(void) {
    struct mw_client_builder *b = NULL;
    struct mw_client *c = NULL;
    struct mw_error *err = NULL;
    if (mw_client_builder_new(&b) || mw_client_builder_base_url(b, base_url) ||
        mw_client_builder_bearer_token(b, token) || mw_client_builder_assistant_name(b, assistant) ||
        mw_client_builder_build(b, &c, &err))
        die("building the client", err ? mw_error_message(err) : "invalid option");
    mw_client_builder_free(b);
    return c;
}

static void sdk_call(struct mw_client *c) {
    struct mw_conversation *conv = NULL;
    struct mw_error *err = NULL;
    if (mw_client_get_conversation(c, conversation, &conv, &err) != MW_OK)
        die("get_conversation", mw_error_message(err));
    char *id = NULL;
    if (mw_conversation_id(conv, &id) != MW_OK || strcmp(id, conversation) != 0) die("wrong conversation_id", id);
    mw_string_free(id);
    mw_conversation_free(conv);
}

/* ---- c.libcurl ---- */
struct buf {
    char *data;
    size_t len, cap;
};

static size_t on_body(char *ptr, size_t size, size_t n, void *user) {
    struct buf *b = user;
    size_t add = size * n;
    if (b->len + add + 1 > b->cap) {
        b->cap = (b->len + add + 1) * 2;
        b->data = realloc(b->data, b->cap);
        if (!b->data) return 0;
    }
    memcpy(b->data + b->len, ptr, add);
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

struct curl_client {
    CURL *easy;
    struct curl_slist *headers;
    struct buf body;
};

static struct curl_client curl_client(void) {
    struct curl_client c = {curl_easy_init(), NULL, {NULL, 0, 0}};
    char url[1024], auth[1024], name[1024];
    snprintf(url, sizeof url, "%s/conversations/%s", base_url, conversation);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    snprintf(name, sizeof name, "Assistant-Name: %s", assistant);
    c.headers = curl_slist_append(c.headers, auth);
    c.headers = curl_slist_append(c.headers, name);
    c.headers = curl_slist_append(c.headers, "Accept: application/json");
    curl_easy_setopt(c.easy, CURLOPT_URL, url);
    curl_easy_setopt(c.easy, CURLOPT_HTTPHEADER, c.headers);
    curl_easy_setopt(c.easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c.easy, CURLOPT_WRITEDATA, &c.body);
    return c;
}

static void curl_call(struct curl_client *c) {
    c->body.len = 0;
    curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, &c->body);
    CURLcode rc = curl_easy_perform(c->easy);
    if (rc != CURLE_OK) die("curl_easy_perform", curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) die("unexpected HTTP status", c->body.data);
    cJSON *json = cJSON_ParseWithLength(c->body.data, c->body.len);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(json, "conversation_id");
    if (!cJSON_IsString(id) || strcmp(id->valuestring, conversation) != 0) die("wrong conversation_id", c->body.data);
    cJSON_Delete(json);
}

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kb = strtol(line + 6, NULL, 10);
    if (f) fclose(f);
    return kb;
}

static long open_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    long n = 0;
    if (!d) return -1;
    while (readdir(d)) n++;
    closedir(d);
    return n - 3; /* ".", ".." and the directory's own fd */
}

/* ---- c.sdk.stream ---- */
/* Opens a streamed turn and reads it to the first event of `want` (or any event when
 * want < 0); returns the receive time and, when `id_out` is given, the response id. */
static uint64_t sdk_stream_until(struct mw_client *c, int want, char **id_out) {
    struct mw_stream *stream = NULL;
    struct mw_error *err = NULL;
    if (mw_client_stream_response(c, conversation, "benchmark: first delta", NULL, &stream, &err) != MW_OK)
        die("mw_client_stream_response", mw_error_message(err));
    for (;;) {
        struct mw_stream_event *ev = NULL;
        if (mw_stream_next(stream, &ev, &err) != MW_OK) die("mw_stream_next", mw_error_message(err));
        if (!ev) die("stream", "ended without the awaited event");
        enum mw_stream_event_type type;
        if (mw_stream_event_get_type(ev, &type) != MW_OK) die("mw_stream_event_get_type", NULL);
        if (want < 0 || type == (enum mw_stream_event_type)want) {
            uint64_t at = now_ns();
            if (id_out && mw_stream_response_id(stream, id_out) != MW_OK) die("mw_stream_response_id", NULL);
            mw_stream_event_free(ev);
            mw_stream_free(stream); /* abandons the turn: closes the connection */
            return at;
        }
        mw_stream_event_free(ev);
    }
}

/* GET {origin}/_sim/stream_marks, parsed. */
static cJSON *stream_marks(void) {
    char url[1024];
    const char *scheme_end = strstr(base_url, "://");
    const char *path = scheme_end ? strchr(scheme_end + 3, '/') : NULL;
    int origin_len = path ? (int)(path - base_url) : (int)strlen(base_url);
    snprintf(url, sizeof url, "%.*s/_sim/stream_marks", origin_len, base_url);
    CURL *easy = curl_easy_init();
    struct buf body = {NULL, 0, 0};
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &body);
    CURLcode rc = curl_easy_perform(easy);
    if (rc != CURLE_OK) die("GET /_sim/stream_marks", curl_easy_strerror(rc));
    curl_easy_cleanup(easy);
    cJSON *marks = cJSON_ParseWithLength(body.data, body.len);
    if (!cJSON_IsObject(marks)) die("/_sim/stream_marks", body.data);
    free(body.data);
    return marks;
}

static void print_samples(const char *id, const uint64_t *s, long n, int last) {
    printf("{\"id\":\"%s\",\"samples_ns\":[", id);
    for (long i = 0; i < n; i++) printf(i ? ",%llu" : "%llu", (unsigned long long)s[i]);
    printf("]}%s", last ? "" : ",");
}

int main(int argc, char **argv) {
    if (argc < 2) die("usage", "bench <latency|rss|stream|stream_rss> --base-url URL --token T --assistant N --conversation ID");
    const char *mode = argv[1];
    long warmup = 1000, iterations = 10000, calls = 100000, streams = 10000;
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--base-url")) base_url = v;
        else if (!strcmp(k, "--token")) token = v;
        else if (!strcmp(k, "--assistant")) assistant = v;
        else if (!strcmp(k, "--conversation")) conversation = v;
        else if (!strcmp(k, "--warmup")) warmup = atol(v);
        else if (!strcmp(k, "--iterations")) iterations = atol(v);
        else if (!strcmp(k, "--calls")) calls = atol(v);
        else if (!strcmp(k, "--streams")) streams = atol(v);
        else die("unknown option", k);
    }
    if (!base_url || !token || !assistant || !conversation) die("usage", "missing a required option");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct mw_client *sdk = sdk_client();

    if (!strcmp(mode, "stream")) {
        for (long i = 0; i < warmup; i++) sdk_stream_until(sdk, MW_STREAM_EVENT_OUTPUT_DELTA, NULL);
        uint64_t *at = malloc(sizeof(uint64_t) * (size_t)iterations);
        char **ids = malloc(sizeof(char *) * (size_t)iterations);
        for (long i = 0; i < iterations; i++) at[i] = sdk_stream_until(sdk, MW_STREAM_EVENT_OUTPUT_DELTA, &ids[i]);
        cJSON *marks = stream_marks();
        for (long i = 0; i < iterations; i++) {
            const cJSON *mark = cJSON_GetObjectItemCaseSensitive(marks, ids[i]);
            if (!cJSON_IsNumber(mark)) die("no stream mark for", ids[i]);
            uint64_t m = (uint64_t)mark->valuedouble; /* < 2^53 ns: exact in a double */
            if (at[i] < m) die("received before the stream mark", ids[i]);
            at[i] -= m;
            mw_string_free(ids[i]);
        }
        cJSON_Delete(marks);
        printf("{\"rows\":[");
        print_samples("c.sdk.stream", at, iterations, 1);
        printf("]}\n");
        free(at);
        free(ids);
    } else if (!strcmp(mode, "stream_rss")) {
        for (int i = 0; i < 200; i++) sdk_stream_until(sdk, -1, NULL);
        long rss_before = rss_kb(), fds_before = open_fds();
        for (long i = 0; i < streams; i++) sdk_stream_until(sdk, -1, NULL);
        long rss_after = rss_kb(), fds_after = open_fds();
        printf("{\"rows\":[{\"id\":\"c.sdk\",\"streams\":%ld,\"rss_before_kb\":%ld,\"rss_after_kb\":%ld,"
               "\"fds_before\":%ld,\"fds_after\":%ld}]}\n",
               streams, rss_before, rss_after, fds_before, fds_after);
    } else if (!strcmp(mode, "rss")) {
        for (int i = 0; i < 1000; i++) sdk_call(sdk);
        long before = rss_kb();
        for (long i = 0; i < calls; i++) sdk_call(sdk);
        long after = rss_kb();
        printf("{\"rows\":[{\"id\":\"c.sdk\",\"calls\":%ld,\"rss_before_kb\":%ld,\"rss_after_kb\":%ld}]}\n", calls,
               before, after);
    } else if (!strcmp(mode, "latency")) {
        struct curl_client cc = curl_client();
        for (long i = 0; i < warmup; i++) sdk_call(sdk), curl_call(&cc);
        uint64_t *s_sdk = malloc(sizeof(uint64_t) * (size_t)iterations);
        uint64_t *s_curl = malloc(sizeof(uint64_t) * (size_t)iterations);
        long done = 0, batch = 200;
        for (int round = 0; done < iterations; round++) {
            long n = iterations - done < batch ? iterations - done : batch;
            for (int k = 0; k < 2; k++) {
                int which = (k + round) % 2; /* rotate the order each round */
                for (long i = 0; i < n; i++) {
                    uint64_t t = now_ns();
                    if (which == 0) sdk_call(sdk);
                    else curl_call(&cc);
                    (which == 0 ? s_sdk : s_curl)[done + i] = now_ns() - t;
                }
            }
            done += n;
        }
        printf("{\"rows\":[");
        print_samples("c.sdk", s_sdk, iterations, 0);
        print_samples("c.libcurl", s_curl, iterations, 1);
        printf("]}\n");
        free(s_sdk);
        free(s_curl);
        curl_slist_free_all(cc.headers);
        curl_easy_cleanup(cc.easy);
        free(cc.body.data);
    } else {
        die("unknown mode", mode);
    }
    mw_client_free(sdk);
    curl_global_cleanup();
    return 0;
}
