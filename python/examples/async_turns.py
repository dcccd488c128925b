"""Several questions at once with AsyncClient: the waits share a few threads and timers.

Configured like full_turn.py:

    python examples/async_turns.py
"""

from __future__ import annotations

import asyncio
import sys
from typing import List

import moveworks

QUESTIONS = ["Who does John Doe report to?", "How do I reset my password?", "What is the VPN address?"]


async def ask(client: moveworks.AsyncClient, conversation_id: str, question: str) -> str:
    response = await client.create_response_and_wait(conversation_id, question, deadline=60.0)
    return response.assistant_text() or ""


async def main() -> int:
    async with moveworks.AsyncClient.from_env() as client:
        conversation = await client.create_conversation("Async example")
        answers: List[str] = await asyncio.gather(*(ask(client, conversation.conversation_id, q) for q in QUESTIONS))
        for question, answer in zip(QUESTIONS, answers):
            print(f"Q: {question}\nA: {answer}\n")
        titles = [c.title async for c in client.iter_conversations(limit=10)]
        print(f"{len(titles)} conversation(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
