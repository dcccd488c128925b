/*
 * Behind a corporate proxy: a client that trusts the proxy's root certificate beside the
 * system's and goes through the proxy given in CORP_PROXY (which wins over HTTPS_PROXY),
 * then one call, its log records written to stderr. The README's "Behind a corporate
 * proxy" blocks are the marked regions.
 * bindings/c/test.sh runs it (from tests/proxy_env.c) through the real TLS-inspecting
 * proxy of scripts/proxies.sh against an https sandbox.
 *
 * Build:  cc corporate_proxy.c $(pkg-config --cflags --libs moveworks)
 * Run:    MOVEWORKS_BASE_URL=... MOVEWORKS_ASSISTANT_NAME=... MOVEWORKS_TOKEN=... \
 *         CORP_ROOT_CA=/etc/corp/root.pem CORP_PROXY=http://user:secret@proxy.corp:3128 ./a.out
 */
#include <stdio.h>
#include <stdlib.h>

#include "moveworks.h"

/* --8<-- README: corporate */
/* A client for a network behind a corporate proxy: the proxy's root is trusted beside
   the system's, and its URL (credentials allowed, never logged) wins over HTTPS_PROXY. */
static mw_status corporate_client(mw_client **out_client, mw_error **out_error) {
    /* MOVEWORKS_BASE_URL, MOVEWORKS_ASSISTANT_NAME and MOVEWORKS_TOKEN (or client credentials). */
    mw_client_builder *builder = NULL;
    mw_status st = mw_client_builder_from_env(&builder, out_error);
    const char *root = getenv("CORP_ROOT_CA"); /* a PEM file or PEM text */
    const char *proxy = getenv("CORP_PROXY");  /* e.g. http://user:secret@proxy.corp:3128 */
    if (st == MW_OK && root) st = mw_client_builder_set(builder, "ca_certificates", root, out_error);
    if (st == MW_OK && proxy) st = mw_client_builder_set(builder, "proxy", proxy, out_error);
    if (st == MW_OK) st = mw_client_builder_build(builder, out_client, out_error);
    mw_client_builder_free(builder);
    return st;
}
/* --8<-- */

/* --8<-- README: log callback */
static void on_log(const mw_log_record *record, void *user_data) {
    static const char *const names[] = {"off", "error", "warn", "info", "debug", "trace"};
    (void)user_data; /* the pointer given to mw_set_log_callback */
    fprintf(stderr, "[moveworks %s] %s\n", names[record->level], record->message);
}
/* --8<-- */

int main(void) {
    mw_error *err = NULL;
    mw_client *client = NULL;
    mw_conversation *conversation = NULL;
    char *title = NULL;
    /* --8<-- README: log setup */
    mw_set_log_callback(on_log, NULL); /* process-wide; NULL removes it */
    mw_set_log_level(MW_LOG_DEBUG);    /* each attempt; MW_LOG_OFF silences; default: MOVEWORKS_LOG, else warn */
    /* --8<-- */
    mw_status st = corporate_client(&client, &err);
    if (st == MW_OK) st = mw_client_create_conversation(client, "from the README", &conversation, &err);
    if (st == MW_OK) {
        mw_conversation_title(conversation, &title);
        printf("conversation: %s\n", title ? title : "");
    } else {
        /* A TLS failure is MW_CONNECTION naming the cause (an unknown issuer says to set ca_certificates). */
        fprintf(stderr, "failed: %s: %s\n", mw_status_name(st), mw_error_message(err));
    }
    mw_string_free(title);
    mw_conversation_free(conversation);
    mw_client_free(client);
    mw_error_free(err);
    return st == MW_OK ? 0 : 1;
}
