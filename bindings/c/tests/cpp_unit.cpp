// C++ translation unit compiled against moveworks.h (extern "C"): owns handles
// with std::unique_ptr deleters, passes a captureless lambda as the update
// callback, cancels a wait from a std::thread, and leaves a streamed turn early
// through scope exit (the stream's unique_ptr closes it).
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "harness.h"

namespace {

struct StringFree {
    void operator()(char *s) const { mw_string_free(s); }
};
struct ClientFree {
    void operator()(mw_client *c) const { mw_client_free(c); }
};
struct ConversationFree {
    void operator()(mw_conversation *c) const { mw_conversation_free(c); }
};
struct ResponseFree {
    void operator()(mw_response *r) const { mw_response_free(r); }
};
struct ErrorFree {
    void operator()(mw_error *e) const { mw_error_free(e); }
};
struct TokenFree {
    void operator()(mw_cancel_token *t) const { mw_cancel_token_free(t); }
};
struct StreamFree {
    void operator()(mw_stream *s) const { mw_stream_free(s); }
};
struct StreamEventFree {
    void operator()(mw_stream_event *e) const { mw_stream_event_free(e); }
};

using String = std::unique_ptr<char, StringFree>;
using Client = std::unique_ptr<mw_client, ClientFree>;
using Conversation = std::unique_ptr<mw_conversation, ConversationFree>;
using Response = std::unique_ptr<mw_response, ResponseFree>;
using Error = std::unique_ptr<mw_error, ErrorFree>;
using Token = std::unique_ptr<mw_cancel_token, TokenFree>;
using Stream = std::unique_ptr<mw_stream, StreamFree>;
using StreamEvent = std::unique_ptr<mw_stream_event, StreamEventFree>;

std::string take(char *s) {
    String owned(s);
    return owned ? std::string(owned.get()) : std::string();
}

}  // namespace

int main() {
    sim_load();
    sim_post("/_sim/reset", "{}");
    sim_post("/_sim/config", "{\"response_duration_ms\": 100}");
    Client client(sim_client());

    mw_conversation *raw_conv = nullptr;
    mw_error *raw_err = nullptr;
    CHECK(mw_client_create_conversation(client.get(), "from C++", &raw_conv, &raw_err) == MW_OK);
    Conversation conv(raw_conv);
    Error err(raw_err);
    CHECK(!err);
    char *raw_id = nullptr;
    CHECK(mw_conversation_id(conv.get(), &raw_id) == MW_OK);
    const std::string id = take(raw_id);
    CHECK(id.rfind("conv_", 0) == 0);

    // Update callback as a captureless lambda; user_data carries a C++ object.
    std::atomic<int> updates{0};
    mw_wait_options options;
    CHECK(mw_wait_options_init(&options) == MW_OK);
    options.initial_interval_ms = 20;
    options.max_interval_ms = 50;
    options.deadline_ms = 30000;
    options.on_update = [](const mw_response *, void *user_data) -> bool {
        static_cast<std::atomic<int> *>(user_data)->fetch_add(1);
        return true;
    };
    options.user_data = &updates;
    mw_response *raw_resp = nullptr;
    raw_err = nullptr;
    CHECK(mw_client_create_response_and_wait(client.get(), id.c_str(), "Who does John Doe report to?", &options, &raw_resp,
                                             &raw_err) == MW_OK);
    Response resp(raw_resp);
    err.reset(raw_err);
    CHECK(updates.load() >= 1);
    char *raw_text = nullptr;
    CHECK(mw_response_assistant_text(resp.get(), &raw_text) == MW_OK);
    CHECK(take(raw_text).find("John Doe") != std::string::npos);

    // Cancel from a std::thread.
    sim_post("/_sim/config", "{\"response_duration_ms\": 60000}");
    mw_cancel_token *raw_token = nullptr;
    CHECK(mw_cancel_token_new(&raw_token) == MW_OK);
    Token token(raw_token);
    options.on_update = nullptr;
    options.cancel = token.get();
    options.deadline_ms = 120000;
    std::thread canceller([&token] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        mw_cancel_token_cancel(token.get());
    });
    raw_resp = nullptr;
    raw_err = nullptr;
    mw_status st = mw_client_create_response_and_wait(client.get(), id.c_str(), "slow", &options, &raw_resp, &raw_err);
    canceller.join();
    err.reset(raw_err);
    CHECK(st == MW_CANCELLED);
    CHECK(raw_resp == nullptr);
    CHECK(err && std::string(mw_error_kind_name(err.get())) == "cancelled");

    // A streamed turn left early: the loop breaks at the first RESPONSE_OUTPUT_DELTA and the
    // unique_ptr frees (and so closes) the stream at scope exit.
    sim_post("/_sim/config", "{\"response_duration_ms\": 2000}");
    std::string response_id;
    {
        mw_stream *raw_stream = nullptr;
        raw_err = nullptr;
        CHECK(mw_client_stream_response(client.get(), id.c_str(), "Who does John Doe report to?", nullptr, &raw_stream,
                                        &raw_err) == MW_OK);
        Stream stream(raw_stream);
        err.reset(raw_err);
        for (;;) {
            mw_stream_event *raw_event = nullptr;
            if (mw_stream_next(stream.get(), &raw_event, nullptr) != MW_OK || !raw_event) break;
            StreamEvent event(raw_event);
            mw_stream_event_type type;
            CHECK(mw_stream_event_get_type(event.get(), &type) == MW_OK);
            if (type == MW_STREAM_EVENT_RESPONSE_OUTPUT_DELTA) break;
        }
        char *raw_id = nullptr;
        CHECK(mw_stream_response_id(stream.get(), &raw_id) == MW_OK);
        response_id = take(raw_id);
    }
    CHECK(response_id.rfind("resp_", 0) == 0);

    // The callback form with a captureless lambda; a nonzero return stops the turn.
    sim_post("/_sim/config", "{\"response_duration_ms\": 100}");
    int events = 0;
    raw_resp = nullptr;
    raw_err = nullptr;
    st = mw_client_stream_response_and_wait(
        client.get(), id.c_str(), "Who does John Doe report to?", nullptr,
        [](const mw_stream_event *, void *user_data) -> int { return ++*static_cast<int *>(user_data) >= 2; }, &events,
        &raw_resp, &raw_err);
    Response stopped(raw_resp);
    err.reset(raw_err);
    CHECK(st == MW_CANCELLED);
    CHECK(events == 2);
    CHECK(!stopped);

    // Invalid arguments from C++ too.
    raw_err = nullptr;
    CHECK(mw_client_get_conversation(client.get(), nullptr, &raw_conv, &raw_err) == MW_INVALID_ARGUMENT);
    err.reset(raw_err);
    CHECK(err && std::string(mw_error_argument(err.get())) == "conversation_id");

    client.reset();
    sim_post("/_sim/reset", "{}");
    sim_unload();
    return report("unit (C++)");
}
