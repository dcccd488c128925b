/*
 * Buttons and forms (rest/v1): ask for a laptop, list the answer's buttons, press
 * one, then open the form its MODAL_ACTION offers, fill it in (a choice, which
 * refreshes the form, then a date and a text) and submit it. Runs against the
 * in-process sandbox, which answers "laptop" questions with buttons and a form.
 * The README's "Buttons and forms" block is this file from the marker on.
 *
 * Build:  cc laptop_form.c $(pkg-config --cflags --libs moveworks)
 */
/* --8<-- README: forms */
#include <stdio.h>
#include <string.h>

#include "moveworks.h"

/* The assistant message of a laptop answer (its last output). */
static const mw_message *answer_message(const mw_response *response) {
    size_t n = 0;
    const mw_output_item *item = NULL;
    const mw_message *message = NULL;
    mw_response_output_count(response, &n);
    if (n > 0 && mw_response_output(response, n - 1, &item) == MW_OK) mw_output_item_message(item, &message);
    return message;
}


/* Prints the fields to render: label (or name), type, and whether they are required. */
static void print_form(const mw_modal *form) {
    size_t n = 0;
    char *title = NULL;
    mw_modal_title(form, &title);
    printf("form: %s\n", title ? title : "(untitled)");
    mw_string_free(title);
    mw_modal_field_count(form, &n);
    for (size_t i = 0; i < n; i++) {
        const mw_modal_field *field = NULL;
        char *label = NULL, *type = NULL;
        bool visible = false, required = false;
        mw_modal_field_at(form, i, &field);
        mw_modal_field_is_visible(field, &visible);
        if (!visible) continue;
        if (mw_modal_field_label(field, &label) == MW_OK && !label) mw_modal_field_name(field, &label);
        mw_modal_field_type_name(field, &type);
        mw_modal_field_is_required(field, &required);
        printf("  %-10s %s%s\n", label, type, required ? " (required)" : "");
        mw_string_free(label);
        mw_string_free(type);
    }
}

/* A field's value from what a person typed, as wire JSON (a new string), or NULL. */
static char *typed(const mw_modal *form, const char *name, const char *text, mw_error **err) {
    char *json = NULL;
    const mw_modal_field *field = NULL;
    mw_modal_field_by_name(form, name, &field);
    mw_modal_field_value_from_text(field, text, &json, err);
    return json;
}

int main(void) {
    mw_error *err = NULL;
    mw_sandbox *sandbox = NULL;
    mw_client *client = NULL;
    mw_conversation *conversation = NULL;
    mw_response *answer = NULL, *pressed = NULL, *done = NULL;
    mw_modal *form = NULL, *refreshed = NULL;
    mw_modal_submit_result *result = NULL;
    char *origin = NULL, *cid = NULL, *text = NULL, *rid = NULL, *mid = NULL, *modal_id = NULL, *status = NULL;
    char *model = NULL, *needed_by = NULL, *reason = NULL, options[256], values[512];
    const mw_message *message = NULL;
    const mw_action *file_it = NULL, *edit = NULL;

    mw_status st = mw_sandbox_start(NULL, &sandbox, &err);
    /* rest/v1 on the sandbox's bare origin (with real credentials: mw_client_builder_from_env()). */
    if (st == MW_OK) st = mw_sandbox_origin(sandbox, &origin);
    if (st == MW_OK) {
        snprintf(options, sizeof options, "{\"base_url\": \"%s\", \"api_version\": \"v1\"}", origin);
        st = mw_sandbox_client(sandbox, options, &client, &err);
    }
    if (st == MW_OK) st = mw_client_create_conversation(client, "New laptop", &conversation, &err);
    if (st == MW_OK) {
        mw_conversation_id(conversation, &cid);
        st = mw_client_create_response_and_wait(client, cid, "I need a new laptop", NULL, &answer, &err);
    }
    if (st == MW_OK) {
        /* The answer's buttons, in the order to render them. */
        size_t n = 0;
        message = answer_message(answer);
        mw_message_text(message, &text);
        printf("assistant: %s\n", text);
        mw_message_action_count(message, &n);
        for (size_t i = 0; i < n; i++) {
            const mw_action *action = NULL;
            mw_action_type type;
            char *label = NULL;
            mw_message_action(message, i, &action);
            mw_action_get_type(action, &type);
            mw_action_label(action, &label);
            printf("  [%zu] %s\n", i + 1, label);
            mw_string_free(label);
            if (type == MW_ACTION_CALLBACK && !file_it) file_it = action;
            if (type == MW_ACTION_MODAL && !edit) edit = action;
        }
        /* Press the first button: its callback id is the next turn. */
        st = file_it && edit ? mw_client_press(client, cid, file_it, &pressed, &err) : MW_NOT_FOUND;
    }
    if (st == MW_OK) {
        char *pressed_id = NULL;
        mw_response_id(pressed, &pressed_id);
        st = mw_client_wait_for_response(client, cid, pressed_id, NULL, &done, &err);
        mw_string_free(pressed_id);
    }
    if (st == MW_OK) {
        mw_string_free(text);
        mw_response_assistant_text(done, &text);
        printf("pressed: %s\n", text);
        /* Open the form: the message's ids and its MODAL_ACTION's modal id. */
        mw_message_response_id(message, &rid);
        mw_message_id(message, &mid);
        mw_action_modal_id(edit, &modal_id);
        st = mw_client_get_modal(client, cid, rid, mid, modal_id, &form, &err);
    }
    if (st == MW_OK) {
        print_form(form);
        /* The model is a choice that refreshes the form: send all values so far. */
        model = typed(form, "model", "MacBook Pro", &err);
        snprintf(values, sizeof values, "{\"model\": %s}", model ? model : "null");
        st = model ? mw_client_refresh_modal(client, form, values, &refreshed, &err) : MW_INVALID_ARGUMENT;
    }
    if (st == MW_OK) {
        print_form(refreshed); /* a MacBook needs a date: "Needed by" is now shown and required */
        needed_by = typed(refreshed, "needed_by", "2026-12-01", &err);
        reason = needed_by ? typed(refreshed, "reason", "My laptop's screen is cracked", &err) : NULL;
        snprintf(values, sizeof values, "{\"model\": %s, \"needed_by\": %s, \"reason\": %s}", model,
                 needed_by ? needed_by : "null", reason ? reason : "null");
        st = needed_by && reason ? mw_client_submit_modal(client, cid, rid, mid, modal_id, values, &result, &err)
                                 : MW_INVALID_ARGUMENT;
    }
    if (st == MW_OK) {
        mw_modal_submit_result_status_name(result, &status);
        printf("submitted: %s\n", status);
    } else {
        fprintf(stderr, "failed: %s: %s\n", mw_status_name(st), err ? mw_error_message(err) : "no such button");
    }
    mw_string_free(status);
    mw_modal_submit_result_free(result);
    mw_string_free(reason);
    mw_string_free(needed_by);
    mw_string_free(model);
    mw_modal_free(refreshed);
    mw_modal_free(form);
    mw_string_free(modal_id);
    mw_string_free(mid);
    mw_string_free(rid);
    mw_string_free(text);
    mw_response_free(done);
    mw_response_free(pressed);
    mw_response_free(answer);
    mw_string_free(cid);
    mw_conversation_free(conversation);
    mw_client_free(client);
    mw_string_free(origin);
    mw_sandbox_stop(sandbox);
    mw_error_free(err);
    return st == MW_OK ? 0 : 1;
}
/* --8<-- */
