/*
 * A streamed turn with libmoveworks: send a message and print the assistant's
 * answer as it grows (RESPONSE_OUTPUT_DELTA events carry the whole message so far), then
 * the final response. If the stream breaks, the library finishes the turn by
 * polling (never sending the message twice), so the loop needs no fallback.
 *
 * Configuration as in full_turn.c (MOVEWORKS_* variables, or MW_SIM_JSON for
 * the simulator, which is how the test script runs it).
 *
 * Build:  cc stream_turn.c $(pkg-config --cflags --libs moveworks)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moveworks.h"

/* Reads "key":"value" from the simulator's one-line JSON (good enough for its fixed shape). */
static char *sim_field(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *start = strstr(json, pattern);
    if (!start) return NULL;
    start += strlen(pattern);
    const char *end = strchr(start, '"');
    size_t n = (size_t)(end - start);
    char *out = malloc(n + 1);
    memcpy(out, start, n);
    out[n] = 0;
    return out;
}

static int fail(const char *what, mw_status status, mw_error *err) {
    fprintf(stderr, "%s failed: %s: %s\n", what, mw_status_name(status), mw_error_message(err));
    mw_error_free(err);
    return 1;
}

static mw_status make_client(mw_client **client, mw_error **err) {
    mw_client_builder *builder = NULL;
    mw_status st;
    const char *sim = getenv("MW_SIM_JSON");
    if (sim) {
        char *base_url = sim_field(sim, "base_url"), *name = sim_field(sim, "assistant_name"), *token = sim_field(sim, "token");
        mw_client_builder_new(&builder);
        mw_client_builder_base_url(builder, base_url);
        mw_client_builder_assistant_name(builder, name);
        mw_client_builder_bearer_token(builder, token);
        free(base_url);
        free(name);
        free(token);
    } else if ((st = mw_client_builder_from_env(&builder, err)) != MW_OK) {
        return st;
    }
    st = mw_client_builder_build(builder, client, err);
    mw_client_builder_free(builder);
    return st;
}

int main(void) {
    mw_client *client = NULL;
    mw_error *err = NULL;
    mw_status st = make_client(&client, &err);
    if (st != MW_OK) return fail("client", st, err);

    mw_conversation *conversation = NULL;
    char *conversation_id = NULL;
    if ((st = mw_client_create_conversation(client, "C streaming example", &conversation, &err)) != MW_OK) {
        mw_client_free(client);
        return fail("create_conversation", st, err);
    }
    mw_conversation_id(conversation, &conversation_id);
    mw_conversation_free(conversation);

    /* --8<-- README: streaming */
    mw_stream_options options;
    mw_stream_options_init(&options);  /* 30 s idle timeout, 120 s for the whole turn */
    mw_stream *stream = NULL;
    st = mw_client_stream_response(client, conversation_id, "Who does John Doe report to?", &options, &stream, &err);
    if (st != MW_OK) { /* e.g. MW_NOT_FOUND, MW_RATE_LIMIT: nothing was streamed */
        mw_string_free(conversation_id);
        mw_client_free(client);
        return fail("stream_response", st, err);
    }
    mw_stream_event *event = NULL;
    /* mw_stream_next blocks until the next event; NULL once the turn is over.
       mw_stream_cancel(stream) from another thread interrupts it (MW_CANCELLED). */
    while ((st = mw_stream_next(stream, &event, &err)) == MW_OK && event) {
        mw_stream_event_type type;
        mw_stream_event_get_type(event, &type);
        if (type == MW_STREAM_EVENT_RESPONSE_OUTPUT_DELTA) {
            const mw_output_item *item = NULL;
            const mw_message *message = NULL;
            mw_stream_event_output(event, &item);
            mw_output_item_message(item, &message);  /* NULL for a reasoning message */
            if (message) {
                char *text = NULL;
                mw_message_text(message, &text);
                printf("... %s\n", text);  /* the whole message so far */
                mw_string_free(text);
            }
        }
        mw_stream_event_free(event);
    }
    int rc = 0;
    if (st != MW_OK) { /* MW_RESPONSE_FAILED, MW_POLL_TIMEOUT, MW_CANCELLED, ... */
        rc = fail("stream", st, err);
    } else {
        const mw_response *response = NULL;  /* borrowed from the stream */
        char *answer = NULL;
        mw_stream_response(stream, &response);
        mw_response_assistant_text(response, &answer);
        printf("assistant: %s\n", answer ? answer : "(no answer)");
        mw_string_free(answer);
    }
    mw_stream_free(stream);  /* also fine mid-turn: closes the connection at once */
    /* --8<-- */

    mw_string_free(conversation_id);
    mw_client_free(client);
    return rc;
}
