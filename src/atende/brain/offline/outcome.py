"""What one step of an offline flow decided to say: a lead sentence, the next question
(in its two wordings) or a closing sentence, and whether the customer's words moved the
conversation on — which is how a flow knows it missed."""

from __future__ import annotations

from dataclasses import dataclass

from atende.brain.dialogue.catalogue import Question


@dataclass(slots=True)
class Outcome:
    lead: str = ""  # said before the question: "Esse horário já passou 😅"
    question: Question | None = None
    final: str | None = None  # the flow ended: "Prontinho! ✅ …"
    progressed: bool = True  # the customer's words changed something

    def texts(self, again: bool) -> list[str]:
        """The message to send, the question in its second wording when ``again``."""
        if self.final is not None:
            return [self.final]
        question = self.question
        asked = "" if question is None else (question.again if again else question.first)
        return [f"{self.lead} {asked}".strip()]
