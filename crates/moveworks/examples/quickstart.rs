// The README's Rust quickstart: one streamed turn against the in-process sandbox,
// no account needed. `cargo run -p moveworks --features sandbox --example quickstart`
// README:begin
use moveworks::sandbox::{Sandbox, SandboxOptions};
use moveworks::{StreamEvent, StreamOptions};

fn main() -> Result<(), moveworks::Error> {
    // The API's simulator, in this process. For the real service, build the client with
    // Client::from_env() (MOVEWORKS_ASSISTANT_NAME + MOVEWORKS_TOKEN or client credentials).
    let sandbox = Sandbox::start(&SandboxOptions::default())?;
    let client = sandbox.client()?;

    let conversation = client.create_conversation(Some("Permissions"))?;
    let mut stream = client.stream_response(
        &conversation.conversation_id,
        "Who does John Doe report to?",
        &StreamOptions::default(),
    )?;
    for event in stream.by_ref() {
        if let StreamEvent::ResponseOutputDelta { output_type, .. } = event? {
            eprintln!("… {output_type}");
        }
    }
    let response = stream.finish()?;
    println!("{}", response.assistant_text().unwrap_or_default());
    println!("(request id for support: {})", response.request_id.unwrap_or_default());
    Ok(())
}
// README:end
