/* C benchmark program (see bench/PROTOCOL.md): `c.sdk` (libmoveworks through
 * include/moveworks.h) against `c.libcurl` (what a user would hand-write: one reused
 * libcurl easy handle, the body collected in a buffer and decoded with cJSON).
 *
 * usage: bench <latency|rss> --base-url URL --token T --assistant N --conversation ID
 *              [--warmup N --iterations N | --calls N]
 * Latency batches alternate between the two clients, so background load on a shared
 * machine hits both alike. Exits non-zero when any call fails or names the wrong
 * conversation. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <curl/curl.h>
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

static void print_samples(const char *id, const uint64_t *s, long n, int last) {
    printf("{\"id\":\"%s\",\"samples_ns\":[", id);
    for (long i = 0; i < n; i++) printf(i ? ",%llu" : "%llu", (unsigned long long)s[i]);
    printf("]}%s", last ? "" : ",");
}

int main(int argc, char **argv) {
    if (argc < 2) die("usage", "bench <latency|rss> --base-url URL --token T --assistant N --conversation ID");
    const char *mode = argv[1];
    long warmup = 1000, iterations = 10000, calls = 100000;
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--base-url")) base_url = v;
        else if (!strcmp(k, "--token")) token = v;
        else if (!strcmp(k, "--assistant")) assistant = v;
        else if (!strcmp(k, "--conversation")) conversation = v;
        else if (!strcmp(k, "--warmup")) warmup = atol(v);
        else if (!strcmp(k, "--iterations")) iterations = atol(v);
        else if (!strcmp(k, "--calls")) calls = atol(v);
        else die("unknown option", k);
    }
    if (!base_url || !token || !assistant || !conversation) die("usage", "missing a required option");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct mw_client *sdk = sdk_client();

    if (!strcmp(mode, "rss")) {
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
