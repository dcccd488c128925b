// The README's second Rust example: an app on the current API (rest/v1) that shows an
// answer's buttons, fills in and submits the form one of them opens, and presses
// another, against the in-process sandbox.
// `cargo run -p moveworks --features sandbox --example buttons_and_forms`
// README:begin
use std::collections::HashMap;

use moveworks::sandbox::{Sandbox, SandboxOptions};
use moveworks::{Action, WaitOptions};

fn main() -> Result<(), moveworks::Error> {
    let sandbox = Sandbox::start(&SandboxOptions { api_version: Some("v1".into()), ..Default::default() })?;
    let client = sandbox.client()?;
    let conversation = client.create_conversation(Some("New laptop"))?;
    let id = &conversation.conversation_id;
    let wait = WaitOptions::default();

    let answer = client.create_response_and_wait(id, "I need a new laptop", &wait)?;
    let message = answer.assistant_messages().find(|m| !m.buttons().is_empty()).expect("an answer with buttons");
    println!("{}", message.text());
    for (n, button) in message.buttons().iter().enumerate() {
        println!("  {}. {} ({})", n + 1, button.label().unwrap_or("?"), button.type_name());
    }

    // A form button opens a form: fill it in, refresh it (a choice may show more
    // fields), then submit it.
    let form_button = message.buttons().iter().find(|b| matches!(b, Action::Modal { .. }));
    let source = message.modal_ref(form_button.expect("a form button")).expect("its form");
    let form = client.get_modal(&source)?;
    let mut values = HashMap::new();
    let model = form.field("model").expect("a model field");
    values.insert(model.name.clone(), model.value_from_text("MacBook Pro")?);
    let form = client.refresh_modal(&form, &values)?;
    for (name, text) in [("reason", "Mine is five years old"), ("needed_by", "2027-01-15")] {
        if let Some(field) = form.visible_fields().find(|f| f.name == name) {
            values.insert(field.name.clone(), field.value_from_text(text)?);
        }
    }
    let submitted = client.submit_modal(&source, &values)?;
    println!("{}: {}", form.title.as_deref().unwrap_or("form"), submitted.status);

    // A callback button is the next turn.
    let file_it = message.buttons().iter().find(|b| matches!(b, Action::Callback { .. }));
    let pressed = client.press(id, file_it.expect("a callback button"))?;
    let pressed = client.wait_for_response(id, &pressed.response_id, &wait)?;
    println!("{}", pressed.assistant_text().unwrap_or_default());
    Ok(())
}
// README:end
