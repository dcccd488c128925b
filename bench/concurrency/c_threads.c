/* The C row of the concurrency benchmark (bench/concurrency/README.md): N streamed turns
 * at once in one process, one pthread (default stack) per turn, one shared mw_client
 * (mw_client is thread-safe; each mw_stream is used by its own thread only).
 *
 *   c_threads c.sdk.threads --base-url URL --token T --assistant NAME
 *       --conversations FILE --streams N
 *
 * Every turn reads every event and must end with RESPONSE_COMPLETED. The last stdout line
 * is one JSON object (the row); progress goes to stderr. The conversations file is a JSON
 * array of ids, read with cJSON. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "moveworks.h"

struct turn {
    struct mw_client *client;
    const char *conversation;
    pthread_barrier_t *barrier;
    double first_ms, turn_ms;
    int events;
    char error[256];
};

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void *run_turn(void *arg) {
    struct turn *t = arg;
    pthread_barrier_wait(t->barrier);
    double t0 = now_ms(), first = -1;
    struct mw_stream *stream = NULL;
    struct mw_error *err = NULL;
    int completed = 0;
    if (mw_client_stream_response(t->client, t->conversation, "concurrency benchmark", NULL, &stream, &err) != MW_OK) {
        snprintf(t->error, sizeof t->error, "mw_client_stream_response: %s", err ? mw_error_message(err) : "?");
        mw_error_free(err);
        return NULL;
    }
    for (;;) {
        struct mw_stream_event *ev = NULL;
        if (mw_stream_next(stream, &ev, &err) != MW_OK) {
            snprintf(t->error, sizeof t->error, "mw_stream_next: %s", err ? mw_error_message(err) : "?");
            mw_error_free(err);
            break;
        }
        if (!ev) break;
        if (first < 0) first = now_ms();
        t->events++;
        enum mw_stream_event_type type;
        completed = mw_stream_event_get_type(ev, &type) == MW_OK && type == MW_STREAM_EVENT_RESPONSE_COMPLETED;
        mw_stream_event_free(ev);
    }
    mw_stream_free(stream);
    if (!t->error[0] && !completed) snprintf(t->error, sizeof t->error, "the turn did not end with RESPONSE_COMPLETED");
    double end = now_ms();
    t->first_ms = (first < 0 ? end : first) - t0;
    t->turn_ms = end - t0;
    return NULL;
}

static long status_field(const char *name) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = 0;
    size_t n = strlen(name);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, name, n) == 0) v = strtol(line + n, NULL, 10);
    if (f) fclose(f);
    return v;
}

int main(int argc, char **argv) {
    const char *base_url = NULL, *token = NULL, *assistant = NULL, *conversations = NULL;
    int streams = 0;
    if (argc < 2 || strcmp(argv[1], "c.sdk.threads") != 0) {
        fprintf(stderr, "usage: c_threads c.sdk.threads --base-url URL ...\n");
        return 2;
    }
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--base-url")) base_url = argv[i + 1];
        else if (!strcmp(argv[i], "--token")) token = argv[i + 1];
        else if (!strcmp(argv[i], "--assistant")) assistant = argv[i + 1];
        else if (!strcmp(argv[i], "--conversations")) conversations = argv[i + 1];
        else if (!strcmp(argv[i], "--streams")) streams = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--answer-ms") != 0) {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    FILE *f = fopen(conversations, "r");
    if (!f) return perror(conversations), 2;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    text[fread(text, 1, (size_t)size, f)] = 0;
    fclose(f);
    cJSON *ids = cJSON_Parse(text);
    if (!ids || cJSON_GetArraySize(ids) < streams) return fprintf(stderr, "bad --conversations\n"), 2;

    struct mw_client_builder *b = NULL;
    struct mw_client *client = NULL;
    struct mw_error *err = NULL;
    if (mw_client_builder_new(&b) || mw_client_builder_base_url(b, base_url) || mw_client_builder_bearer_token(b, token) ||
        mw_client_builder_assistant_name(b, assistant) || mw_client_builder_build(b, &client, &err))
        return fprintf(stderr, "building the client failed\n"), 1;
    mw_client_builder_free(b);

    struct turn *turns = calloc((size_t)streams, sizeof *turns);
    pthread_t *threads = calloc((size_t)streams, sizeof *threads);
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, (unsigned)streams + 1);
    for (int i = 0; i < streams; i++) {
        turns[i] = (struct turn){.client = client, .conversation = cJSON_GetArrayItem(ids, i)->valuestring, .barrier = &barrier};
        if (pthread_create(&threads[i], NULL, run_turn, &turns[i]) != 0) {
            fprintf(stderr, "pthread_create failed at %d\n", i);
            return 1;
        }
    }
    pthread_barrier_wait(&barrier);
    double burst = now_ms();
    for (int i = 0; i < streams; i++) pthread_join(threads[i], NULL);
    double wall = (now_ms() - burst) / 1000.0;

    cJSON *row = cJSON_CreateObject();
    cJSON_AddStringToObject(row, "id", "c.sdk.threads");
    cJSON_AddNumberToObject(row, "streams", streams);
    cJSON *firsts = cJSON_AddArrayToObject(row, "first_event_ms");
    cJSON *times = cJSON_AddArrayToObject(row, "turn_ms");
    cJSON *samples = cJSON_CreateArray();
    int errors = 0, events = 0;
    for (int i = 0; i < streams; i++) {
        events += turns[i].events;
        if (turns[i].error[0]) {
            if (errors++ < 5) cJSON_AddItemToArray(samples, cJSON_CreateString(turns[i].error));
            continue;
        }
        cJSON_AddItemToArray(firsts, cJSON_CreateNumber(turns[i].first_ms));
        cJSON_AddItemToArray(times, cJSON_CreateNumber(turns[i].turn_ms));
    }
    cJSON_AddNumberToObject(row, "start_spread_ms", 0);
    cJSON_AddNumberToObject(row, "errors", errors);
    cJSON_AddItemToObject(row, "error_samples", samples);
    cJSON_AddNumberToObject(row, "events", events);
    cJSON_AddNumberToObject(row, "wall_s", wall);
    cJSON_AddNumberToObject(row, "peak_rss_kb", (double)status_field("VmHWM:"));
    cJSON_AddNumberToObject(row, "threads_at_end", (double)status_field("Threads:"));
    fprintf(stderr, "c.sdk.threads x%d: %d errors, wall %.3f s\n", streams, errors, wall);
    char *out = cJSON_PrintUnformatted(row);
    printf("%s\n", out);
    free(out);
    mw_client_free(client);
    return 0;
}
