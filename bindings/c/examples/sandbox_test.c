/*
 * Testing your app against the sandbox: a test written the way an app's own
 * test would be. ask() below is the "app code" (it asks a question and maps
 * the SDK's errors to what the app shows); main() is its test. It starts a
 * sandbox, scripts a 429 with Retry-After and then a FAILED answer, calls
 * ask(), and checks what the app did and what it sent (the sandbox's request
 * log). No account, no mock server, no hand-written JSON answers.
 *
 * Build:  cc sandbox_test.c $(pkg-config --cflags --libs moveworks) -lcjson
 * (cJSON reads the request log; any JSON library will do.)
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moveworks.h"

/* ---- the app --------------------------------------------------------------------------- */
/* --8<-- README: app */
#define SORRY "Sorry, the assistant could not answer that. Please try again."

/* Asks `question` in a new conversation. Returns 0 with the answer in *answer, 1 with
   SORRY when the assistant failed to answer (MW_RESPONSE_FAILED), -1 on any other error.
   *answer is freed with free(). */
static int ask(mw_client *client, const char *question, char **answer) {
    mw_error *err = NULL;
    mw_conversation *conversation = NULL;
    char *conversation_id = NULL;
    mw_response *response = NULL;
    mw_status st = mw_client_create_conversation(client, NULL, &conversation, &err);
    if (st == MW_OK) {
        mw_conversation_id(conversation, &conversation_id);
        st = mw_client_create_response_and_wait(client, conversation_id, question, NULL, &response, &err);
    }
    int rc = 0;
    if (st == MW_OK) {
        char *text = NULL;
        mw_response_assistant_text(response, &text);
        *answer = strdup(text ? text : "");
        mw_string_free(text);
    } else if (st == MW_RESPONSE_FAILED) {
        *answer = strdup(SORRY);
        rc = 1;
    } else {
        fprintf(stderr, "ask: %s: %s\n", mw_status_name(st), mw_error_message(err));
        *answer = NULL;
        rc = -1;
    }
    mw_error_free(err);
    mw_response_free(response);
    mw_string_free(conversation_id);
    mw_conversation_free(conversation);
    return rc;
}
/* --8<-- */

/* ---- its test -------------------------------------------------------------------------- */
static int failures = 0;
#define EXPECT(cond)                                                                      \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);           \
            failures++;                                                                   \
        }                                                                                 \
    } while (0)

int main(void) {
    /* --8<-- README: test */
    mw_error *err = NULL;
    mw_sandbox *sandbox = NULL;
    mw_client *client = NULL;
    char *log = NULL, *token = NULL, *answer = NULL;
    /* Answers complete after 50 ms instead of 600: a faster test. */
    EXPECT(mw_sandbox_start("{\"response_duration_ms\": 50}", &sandbox, &err) == MW_OK);
    EXPECT(mw_sandbox_client(sandbox, NULL, &client, &err) == MW_OK); /* the default 2 retries */

    /* 1. The next POST of a message is answered 429 with Retry-After: 1; the client waits and retries. */
    EXPECT(mw_sandbox_run(sandbox, "fault",
                          "{\"kind\": \"status\", \"status\": 429, \"retry_after\": \"1\","
                          " \"path_contains\": \"/responses\", \"method\": \"POST\"}",
                          &log, &err) == MW_OK);
    mw_string_free(log);
    EXPECT(ask(client, "How do I reset my password?", &answer) == 0);
    EXPECT(answer && strlen(answer) > 0);
    free(answer);

    /* 2. The next answer ends FAILED: the app shows its apology. */
    EXPECT(mw_sandbox_run(sandbox, "fail_next_response", NULL, &log, &err) == MW_OK);
    mw_string_free(log);
    EXPECT(ask(client, "And my VPN?", &answer) == 1);
    EXPECT(answer && strcmp(answer, SORRY) == 0);
    free(answer);

    /* 3. What the app sent: three POSTs of a message, the first answered 429 and retried
       (same conversation), with the C library's User-Agent; the log never holds the token. */
    EXPECT(mw_sandbox_run(sandbox, "requests", "{\"method\": \"POST\", \"path_contains\": \"/responses\"}",
                          &log, &err) == MW_OK);
    cJSON *posts = cJSON_Parse(log);
    EXPECT(cJSON_GetArraySize(posts) == 3);
    cJSON *first = cJSON_GetArrayItem(posts, 0), *retry = cJSON_GetArrayItem(posts, 1);
    EXPECT(cJSON_GetObjectItem(first, "status")->valueint == 429);
    EXPECT(cJSON_GetObjectItem(retry, "status")->valueint == 202);
    EXPECT(strcmp(cJSON_GetObjectItem(first, "path")->valuestring, cJSON_GetObjectItem(retry, "path")->valuestring) == 0);
    EXPECT(strstr(cJSON_GetObjectItem(retry, "user_agent")->valuestring, "(c; ") != NULL);
    mw_sandbox_token(sandbox, &token);
    EXPECT(strstr(log, token) == NULL);
    cJSON_Delete(posts);
    mw_string_free(token);
    mw_string_free(log);

    mw_error_free(err); /* NULL unless a call above failed */
    mw_client_free(client);
    mw_sandbox_stop(sandbox);
    /* --8<-- */
    printf("sandbox_test: %s\n", failures ? "FAILED" : "passed");
    return failures ? 1 : 0;
}
