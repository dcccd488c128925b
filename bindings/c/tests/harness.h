/*
 * Test support shared by the C test programs: a tiny check framework, the
 * simulator's connection details (from the MW_SIM_JSON environment variable,
 * the JSON line the simulator printed on start), and a minimal HTTP/1.1 client
 * for the simulator's /_sim/ control routes (plain http on loopback only).
 */
#ifndef MW_TEST_HARNESS_H
#define MW_TEST_HARNESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "moveworks.h"

static int g_passed = 0;
static int g_failed = 0;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (cond) {                                                                   \
            g_passed++;                                                               \
        } else {                                                                      \
            g_failed++;                                                               \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);           \
        }                                                                             \
    } while (0)

/* Checks a status and, on mismatch, prints the error's message. */
#define CHECK_STATUS(expr, expected, err)                                             \
    do {                                                                              \
        mw_status st_ = (expr);                                                       \
        if (st_ == (expected)) {                                                      \
            g_passed++;                                                               \
        } else {                                                                      \
            g_failed++;                                                               \
            fprintf(stderr, "FAIL %s:%d: %s returned %s, expected %s (%s)\n",         \
                    __FILE__, __LINE__, #expr, mw_status_name(st_),                   \
                    mw_status_name(expected),                                         \
                    (err) ? mw_error_message(err) : "no error");                   \
        }                                                                             \
    } while (0)

#define CHECK_STR(actual, expected)                                                   \
    do {                                                                              \
        const char *a_ = (actual), *e_ = (expected);                                  \
        if (a_ && e_ && strcmp(a_, e_) == 0) {                                        \
            g_passed++;                                                               \
        } else {                                                                      \
            g_failed++;                                                               \
            fprintf(stderr, "FAIL %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__,  \
                    __LINE__, #actual, a_ ? a_ : "(null)", e_ ? e_ : "(null)");       \
        }                                                                             \
    } while (0)

/* Prints the closing line CI reads and returns the exit code. */
static inline int report(const char *suite) {
    printf("%s: %d passed, %d failed\n", suite, g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}

typedef struct sim_info {
    char *base_url, *v1_base_url, *token_url, *origin, *assistant_name, *token, *client_id, *client_secret;
    int port;
} sim_info;

static sim_info g_sim;

static inline char *dup_field(cJSON *obj, const char *key) {
    cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(v)) {
        fprintf(stderr, "MW_SIM_JSON lacks \"%s\"\n", key);
        exit(2);
    }
    return strdup(v->valuestring);
}

/* Reads the simulator's start-up line from MW_SIM_JSON; exits when missing. */
static inline void sim_load(void) {
    const char *raw = getenv("MW_SIM_JSON");
    if (!raw) {
        fprintf(stderr, "MW_SIM_JSON is not set (run through bindings/c/test.sh)\n");
        exit(2);
    }
    cJSON *j = cJSON_Parse(raw);
    if (!j) {
        fprintf(stderr, "MW_SIM_JSON is not JSON\n");
        exit(2);
    }
    g_sim.base_url = dup_field(j, "base_url");
    g_sim.v1_base_url = dup_field(j, "v1_base_url");
    g_sim.token_url = dup_field(j, "token_url");
    g_sim.origin = dup_field(j, "origin");
    g_sim.assistant_name = dup_field(j, "assistant_name");
    g_sim.token = dup_field(j, "token");
    g_sim.client_id = dup_field(j, "client_id");
    g_sim.client_secret = dup_field(j, "client_secret");
    cJSON *port = cJSON_GetObjectItemCaseSensitive(j, "port");
    g_sim.port = cJSON_IsNumber(port) ? port->valueint : 0;
    cJSON_Delete(j);
    if (g_sim.port == 0) {
        const char *colon = strrchr(g_sim.origin, ':');
        g_sim.port = colon ? atoi(colon + 1) : 0;
    }
}

static inline void sim_unload(void) {
    free(g_sim.base_url);
    free(g_sim.v1_base_url);
    free(g_sim.token_url);
    free(g_sim.origin);
    free(g_sim.assistant_name);
    free(g_sim.token);
    free(g_sim.client_id);
    free(g_sim.client_secret);
}

/*
 * One request to the simulator (127.0.0.1). Returns the HTTP status (or -1) and,
 * when out_body is not NULL, the body (caller frees). Sends Connection: close and
 * reads to EOF, so no keep-alive handling is needed; chunked bodies are decoded.
 */
static inline int sim_http(const char *method, const char *path, const char *body, char **out_body) {
    if (out_body) *out_body = NULL;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)g_sim.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    size_t blen = body ? strlen(body) : 0;
    char *req = NULL;
    int n = asprintf(&req,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     method, path, g_sim.port, blen, body ? body : "");
    if (n < 0) {
        close(fd);
        return -1;
    }
    for (ssize_t sent = 0; sent < n;) {
        ssize_t w = write(fd, req + sent, (size_t)(n - sent));
        if (w <= 0) break;
        sent += w;
    }
    free(req);
    size_t cap = 4096, len = 0;
    char *buf = (char *)malloc(cap);
    for (;;) {
        if (len + 1024 + 1 > cap) {
            cap *= 2;
            buf = (char *)realloc(buf, cap);
        }
        ssize_t r = read(fd, buf + len, cap - len - 1);
        if (r <= 0) break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = 0;
    int status = -1;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) status = -1;
    char *start = strstr(buf, "\r\n\r\n");
    if (out_body && start) {
        start += 4;
        int chunked = strcasestr(buf, "transfer-encoding: chunked") != NULL && strcasestr(buf, "transfer-encoding: chunked") < start;
        if (!chunked) {
            *out_body = strdup(start);
        } else {
            char *dst = (char *)malloc(strlen(start) + 1), *p = start;
            size_t dlen = 0;
            for (;;) {
                char *end = NULL;
                unsigned long size = strtoul(p, &end, 16);
                if (!end || size == 0) break;
                p = strstr(end, "\r\n");
                if (!p) break;
                p += 2;
                memcpy(dst + dlen, p, size);
                dlen += size;
                p += size + 2;
            }
            dst[dlen] = 0;
            *out_body = dst;
        }
    }
    free(buf);
    return status;
}

/* POSTs a control route and fails the program if the simulator refuses it. */
static inline void sim_post(const char *path, const char *body) {
    int st = sim_http("POST", path, body ? body : "{}", NULL);
    if (st != 200) {
        fprintf(stderr, "simulator %s answered %d\n", path, st);
        exit(2);
    }
}

/* Whether a logged request matches method (or NULL), a path substring (or NULL) and a
   user_agent suffix (or NULL). */
static inline int sim_request_matches(const cJSON *e, const char *method, const char *path_contains,
                                      const char *ua_suffix) {
    cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "method");
    cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "path");
    if (method && !(cJSON_IsString(m) && strcmp(m->valuestring, method) == 0)) return 0;
    if (path_contains && !(cJSON_IsString(p) && strstr(p->valuestring, path_contains))) return 0;
    if (ua_suffix) {
        cJSON *ua = cJSON_GetObjectItemCaseSensitive(e, "user_agent");
        size_t n = cJSON_IsString(ua) ? strlen(ua->valuestring) : 0, k = strlen(ua_suffix);
        if (!cJSON_IsString(ua) || n < k || strcmp(ua->valuestring + n - k, ua_suffix) != 0) return 0;
    }
    return 1;
}

/* The simulator's request log (caller frees), or NULL. */
static inline cJSON *sim_request_log(void) {
    char *body = NULL;
    if (sim_http("GET", "/_sim/requests", NULL, &body) != 200 || !body) {
        free(body);
        return NULL;
    }
    cJSON *log = cJSON_Parse(body);
    free(body);
    return log;
}

/* Counts logged requests matching method (or NULL), a path substring (or NULL) and a
   user_agent suffix (or NULL); -1 when the log cannot be read. */
static inline int sim_count_requests_ua(const char *method, const char *path_contains, const char *ua_suffix) {
    cJSON *log = sim_request_log(), *e;
    if (!log) return -1;
    int count = 0;
    cJSON_ArrayForEach(e, log) count += sim_request_matches(e, method, path_contains, ua_suffix);
    cJSON_Delete(log);
    return count;
}

/* How many distinct connections (the log's `connection` serial) carried the requests
   sim_count_requests_ua() counts with the same filters. */
static inline int sim_count_connections(const char *method, const char *path_contains, const char *ua_suffix) {
    cJSON *log = sim_request_log(), *e;
    if (!log) return -1;
    cJSON *seen = cJSON_CreateArray();
    cJSON_ArrayForEach(e, log) {
        if (!sim_request_matches(e, method, path_contains, ua_suffix)) continue;
        cJSON *conn = cJSON_GetObjectItemCaseSensitive(e, "connection"), *c;
        int known = 0;
        cJSON_ArrayForEach(c, seen) known |= cJSON_Compare(c, conn, 1);
        if (!known) cJSON_AddItemToArray(seen, conn ? cJSON_Duplicate(conn, 1) : cJSON_CreateNull());
    }
    int count = cJSON_GetArraySize(seen);
    cJSON_Delete(seen);
    cJSON_Delete(log);
    return count;
}

static inline int sim_count_requests(const char *method, const char *path_contains) {
    return sim_count_requests_ua(method, path_contains, NULL);
}

/* A client for the simulator with a static token; aborts the program on failure. */
static inline mw_client *sim_client(void) {
    mw_client_builder *b = NULL;
    mw_client *c = NULL;
    mw_error *err = NULL;
    if (mw_client_builder_new(&b) != MW_OK || mw_client_builder_base_url(b, g_sim.base_url) != MW_OK ||
        mw_client_builder_assistant_name(b, g_sim.assistant_name) != MW_OK ||
        mw_client_builder_bearer_token(b, g_sim.token) != MW_OK || mw_client_builder_build(b, &c, &err) != MW_OK) {
        fprintf(stderr, "could not build a client: %s\n", err ? mw_error_message(err) : "?");
        exit(2);
    }
    mw_client_builder_free(b);
    return c;
}

#endif
