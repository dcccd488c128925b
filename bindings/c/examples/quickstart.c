/*
 * Quickstart: ask the assistant a question with no account. mw_sandbox_start()
 * runs the SDK's simulator of the Conversations API inside this process (on a
 * free 127.0.0.1 port) and mw_sandbox_client() gives a client configured for it.
 * The README's Quickstart block is this file from the marker on.
 *
 * Build:  cc quickstart.c $(pkg-config --cflags --libs moveworks)
 */
/* --8<-- README: quickstart */
#include <stdio.h>

#include "moveworks.h"

int main(void) {
    mw_error *err = NULL;
    mw_sandbox *sandbox = NULL;
    mw_client *client = NULL;
    mw_conversation *conversation = NULL;
    char *conversation_id = NULL, *answer = NULL;
    mw_response *response = NULL;
    /* No account needed: the sandbox serves the API on 127.0.0.1 inside this process. */
    mw_status st = mw_sandbox_start(NULL, &sandbox, &err);
    /* With real credentials: mw_client_builder_from_env() + mw_client_builder_build() instead. */
    if (st == MW_OK) st = mw_sandbox_client(sandbox, NULL, &client, &err);
    if (st == MW_OK) st = mw_client_create_conversation(client, "Quickstart", &conversation, &err);
    if (st == MW_OK) {
        mw_conversation_id(conversation, &conversation_id);
        /* Sends the message and polls until the answer is complete (NULL: default polling). */
        st = mw_client_create_response_and_wait(client, conversation_id, "How do I reset my password?", NULL,
                                                &response, &err);
    }
    if (st == MW_OK) {
        mw_response_assistant_text(response, &answer);
        printf("assistant: %s\n", answer);
    } else {
        fprintf(stderr, "failed: %s: %s\n", mw_status_name(st), mw_error_message(err));
    }
    mw_string_free(answer);
    mw_response_free(response);
    mw_string_free(conversation_id);
    mw_conversation_free(conversation);
    mw_client_free(client);
    mw_sandbox_stop(sandbox);
    mw_error_free(err);
    return st == MW_OK ? 0 : 1;
}
/* --8<-- */
