/*
 * Messages and feedback with libmoveworks: answer one question, list the
 * conversation's messages newest first (the iterator follows the cursors), rate
 * the newest assistant answer helpful with the callback id it offers, and print
 * the root uuid of the feedback's answer (what you quote to Moveworks support).
 *
 * Configuration as in full_turn.c (MOVEWORKS_* variables, or MW_SIM_JSON for
 * the simulator, which is how the test script runs it).
 *
 * Build:  cc feedback.c $(pkg-config --cflags --libs moveworks)
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
    mw_response *turn = NULL;
    char *conversation_id = NULL;
    if ((st = mw_client_create_conversation(client, "C feedback example", &conversation, &err)) != MW_OK) {
        mw_client_free(client);
        return fail("create_conversation", st, err);
    }
    mw_conversation_id(conversation, &conversation_id);
    mw_conversation_free(conversation);
    st = mw_client_create_response_and_wait(client, conversation_id, "How do I reset my password?", NULL, &turn, &err);
    mw_response_free(turn);
    if (st != MW_OK) {
        mw_string_free(conversation_id);
        mw_client_free(client);
        return fail("create_response_and_wait", st, err);
    }

    int rc = 0;
    /* --8<-- README: messages */
    mw_message_iter *messages = NULL;  /* newest first; pages are fetched as needed */
    st = mw_client_iter_messages(client, conversation_id, NULL, MW_LIMIT_DEFAULT, &messages, &err);
    mw_message *message = NULL;
    char *helpful = NULL, *message_id = NULL, *response_id = NULL;
    while (st == MW_OK && (st = mw_message_iter_next(messages, &message, &err)) == MW_OK && message) {
        mw_actor actor;
        char *text = NULL;
        mw_message_actor(message, &actor);
        mw_message_text(message, &text);
        printf("%s: %s\n", actor == MW_ACTOR_USER ? "user" : "assistant", text);
        mw_string_free(text);
        /* An assistant message offers two opaque callback ids (helpful, unhelpful):
           the one you submit is the rating. User messages offer none (NULL). */
        if (!helpful && mw_message_helpful_callback_id(message, &helpful) == MW_OK && helpful) {
            mw_message_id(message, &message_id);
            mw_message_response_id(message, &response_id);
        }
        mw_message_free(message);  /* owned: it came from an iterator */
    }
    mw_message_iter_free(messages);
    if (st != MW_OK) {
        rc = fail("iter_messages", st, err);
    } else if (helpful) {
        mw_feedback_result *result = NULL;
        /* additional_feedback may be NULL; over 1,000 characters is MW_INVALID_ARGUMENT, nothing sent. */
        st = mw_client_submit_feedback(client, conversation_id, response_id, message_id, helpful,
                                       "Exactly what I needed", &result, &err);
        if (st != MW_OK) { /* e.g. MW_BAD_REQUEST for another message's callback id */
            rc = fail("submit_feedback", st, err);
        } else {
            char *status = NULL, *request_id = NULL;
            mw_feedback_result_status_name(result, &status);  /* or mw_feedback_result_get_status */
            mw_feedback_result_request_id(result, &request_id);  /* quote it to Moveworks support */
            printf("feedback: %s (request %s)\n", status, request_id ? request_id : "-");
            mw_string_free(status);
            mw_string_free(request_id);
            mw_feedback_result_free(result);
        }
    }
    mw_string_free(helpful);
    mw_string_free(message_id);
    mw_string_free(response_id);
    /* --8<-- */

    mw_string_free(conversation_id);
    mw_client_free(client);
    return rc;
}
