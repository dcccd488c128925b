// A consumer of ai.moveworks:moveworks: one turn against the package's Sandbox (the
// simulator in this process), run with plain `java -cp`: the native library comes out
// of the package's jar, no -Djna.library.path.
package com.example

import ai.moveworks.sdk.Sandbox
import ai.moveworks.sdk.WaitOptions
import ai.moveworks.sdk.assistantText
import ai.moveworks.sdk.sdkVersion
import ai.moveworks.sdk.wireName

fun main() {
    Sandbox().use { sandbox ->
        val client = sandbox.client()
        val conversation = client.createConversation("Consumer")
        val response = client.createResponseAndWait(conversation.conversationId, "Who does John Doe report to?",
                                                    WaitOptions(), null, null)
        val text = response.assistantText()
        check(!text.isNullOrBlank()) { "no answer" }
        println("consumer: sdk ${sdkVersion()}, ${response.status.wireName()}, ${text.length} chars of answer")
    }
}
