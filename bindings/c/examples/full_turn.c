/*
 * A full conversation turn with libmoveworks: create a conversation, send a
 * message, wait for the assistant's answer while printing progress, and print
 * the answer with its citations.
 *
 * Configuration comes from the environment (MOVEWORKS_BASE_URL,
 * MOVEWORKS_ASSISTANT_NAME, MOVEWORKS_TOKEN or MOVEWORKS_CLIENT_ID +
 * MOVEWORKS_CLIENT_SECRET). When MW_SIM_JSON holds the simulator's start-up
 * line, the example talks to the simulator instead (that is how the test
 * script runs it).
 *
 * Build:  cc full_turn.c $(pkg-config --cflags --libs moveworks)
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
    fprintf(stderr, "%s failed: %s: %s", what, mw_status_name(status), mw_error_message(err));
    if (mw_error_request_id(err)) fprintf(stderr, " (request id %s)", mw_error_request_id(err));
    fprintf(stderr, "\n");
    mw_error_free(err);
    return 1;
}

/* Prints reasoning messages as they appear. */
static bool on_update(const mw_response *response, void *user_data) {
    (void)user_data;
    char *status = NULL;
    mw_response_status_name(response, &status);
    printf("... %s\n", status);
    mw_string_free(status);
    return true; /* keep waiting */
}

int main(void) {
    mw_client_builder *builder = NULL;
    mw_client *client = NULL;
    mw_error *err = NULL;
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
    } else if ((st = mw_client_builder_from_env(&builder, &err)) != MW_OK) {
        return fail("configuration", st, err);
    }
    st = mw_client_builder_build(builder, &client, &err);
    mw_client_builder_free(builder);
    if (st != MW_OK) return fail("client", st, err);
    printf("libmoveworks %s\n", mw_version());

    mw_conversation *conversation = NULL;
    if ((st = mw_client_create_conversation(client, "C example", &conversation, &err)) != MW_OK) {
        mw_client_free(client);
        return fail("create_conversation", st, err);
    }
    char *conversation_id = NULL;
    mw_conversation_id(conversation, &conversation_id);
    printf("conversation %s\n", conversation_id);

    mw_wait_options options;
    mw_wait_options_init(&options);
    options.on_update = on_update;
    mw_response *response = NULL;
    st = mw_client_create_response_and_wait(client, conversation_id, "Who does John Doe report to?", &options, &response, &err);
    int rc = 0;
    if (st != MW_OK) {
        rc = fail("create_response_and_wait", st, err);
    } else {
        char *answer = NULL;
        mw_response_assistant_text(response, &answer);
        printf("assistant: %s\n", answer ? answer : "(no answer)");
        mw_string_free(answer);
        size_t outputs = 0;
        mw_response_output_count(response, &outputs);
        for (size_t i = 0; i < outputs; i++) {
            const mw_output_item *item = NULL;
            const mw_message *message = NULL;
            mw_response_output(response, i, &item);
            mw_output_item_message(item, &message);
            if (!message) continue;
            size_t citations = 0;
            mw_message_citation_count(message, &citations);
            for (size_t j = 0; j < citations; j++) {
                const mw_citation *citation = NULL;
                char *url = NULL;
                mw_message_citation(message, j, &citation);
                mw_citation_url(citation, &url);
                printf("[%zu] %s\n", j + 1, url ? url : "");
                mw_string_free(url);
            }
        }
    }
    mw_response_free(response);
    mw_string_free(conversation_id);
    mw_conversation_free(conversation);
    mw_client_free(client);
    return rc;
}
