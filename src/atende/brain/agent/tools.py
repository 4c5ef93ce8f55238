"""The customer agent's tools: typed arguments, checked before use, acting on our domain.

Reading tools answer at once. Writing tools (``book_service``, ``register_pet``,
``cancel_booking``, ``reschedule_booking``) never write: they check the request against
the real agenda and leave a *proposal* in the dialogue state. Only the customer's "sim"
in a later turn commits it (``proposals.commit``). The model cannot skip that step,
whatever its prompt says.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from atende.brain.agent.toolkit import Args, NoArgs, Result, Tools
from atende.brain.dialogue import catalogue as words
from atende.brain.dialogue import replies as say
from atende.brain.dialogue.context import DialogueContext
from atende.brain.dialogue.intents import find_service
from atende.brain.dialogue.state import DialogueState, NewPet, Proposal
from atende.brain.knowledge.retrieval import KnowledgeSearch
from atende.brain.offline.manage import describe
from atende.domain.entities import ServiceInfo
from atende.domain.pricing import by_size
from atende.domain.sizes import SIZE_NAMES
from atende.domain.text import fold
from atende.storage import bookings as booking_repo


class FreeSlotsArgs(Args):
    service: str = Field(description="service name, as in list_services")
    date: dt.date = Field(description="day, YYYY-MM-DD")


class PetArgs(Args):
    name: str = Field(min_length=1, max_length=60)
    species: str = Field(min_length=2, max_length=30, description="e.g. cachorro, gato")
    breed: str = Field("", max_length=60, description="breed, or SRD")
    birth_date: dt.date | None = Field(None, description="YYYY-MM-DD, if the customer said")


class BookArgs(Args):
    service: str = Field(description="service name, as in list_services")
    date: dt.date = Field(description="YYYY-MM-DD")
    time: dt.time = Field(description="HH:MM, one of list_free_slots' times")
    pet_name: str = Field(min_length=1, max_length=60)
    species: str | None = Field(None, description="only for a pet not registered yet")
    breed: str | None = Field(None, description="only for a pet not registered yet")


class BookingIdArgs(Args):
    booking_id: int = Field(description="id from the customer's upcoming bookings")


class RescheduleArgs(Args):
    booking_id: int
    date: dt.date = Field(description="new day, YYYY-MM-DD")
    time: dt.time = Field(description="new time, HH:MM")


class SearchArgs(Args):
    query: str = Field(min_length=2, max_length=300)


class HandoffArgs(Args):
    reason: str = Field("", max_length=300)


class ToolBox(Tools):
    """Tools bound to one turn. ``state`` receives proposals and the handoff flag."""

    def __init__(
        self, ctx: DialogueContext, knowledge: KnowledgeSearch | None, state: DialogueState
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.knowledge = knowledge
        self.state = state
        self.handoff = False
        self.proposed: str | None = None  # this turn's proposal: one per turn
        tools: dict[str, tuple[type[Args], Any, str]] = {
            "list_services": (NoArgs, self.list_services, "Services with price and duration."),
            "list_free_slots": (
                FreeSlotsArgs,
                self.list_free_slots,
                "Free start times of a service on a day.",
            ),
            "register_pet": (
                PetArgs,
                self.register_pet,
                "Propose registering a pet; saved only after the customer confirms.",
            ),
            "book_service": (
                BookArgs,
                self.book_service,
                "Propose a booking; it is made only when the customer confirms in their next "
                "message. Ask them to confirm.",
            ),
            "cancel_booking": (
                BookingIdArgs,
                self.cancel_booking,
                "Propose cancelling an upcoming booking; done only after the customer confirms.",
            ),
            "reschedule_booking": (
                RescheduleArgs,
                self.reschedule_booking,
                "Propose moving an upcoming booking; done only after the customer confirms.",
            ),
            "search_knowledge": (
                SearchArgs,
                self.search_knowledge,
                "Search the business's documents (FAQ, policies); returns passages with source.",
            ),
            "handoff_to_human": (
                HandoffArgs,
                self.handoff_to_human,
                "Hand the chat to a person of the team (customer asked, or you cannot help).",
            ),
        }
        for name, (args, func, doc) in tools.items():
            self.add(name, args, func, doc)

    # reading tools

    def list_services(self, _: NoArgs) -> Result:
        return {
            "services": [
                {
                    "name": s.name,
                    "price": words.quote_text(self.ctx.quote(s)),  # "a partir de" by size
                    "price_by_size": {SIZE_NAMES[z]: say.money(p) for z, p in by_size(s)},
                    "minutes": s.duration_minutes,
                }
                for s in self.ctx.services
            ]
        }

    def list_free_slots(self, args: FreeSlotsArgs) -> Result:
        service = self._service(args.service)
        if service is None:
            return self._unknown_service(args.service)
        if args.date < self.ctx.today:
            return {"error": f"{args.date} is in the past; today is {self.ctx.today}"}
        slots = self.ctx.free(service, args.date)
        return {
            "service": service.name,
            "date": args.date.isoformat(),
            "weekday": say.WEEKDAY_NAMES[args.date.weekday()],
            "free_times": [say.hhmm(s) for s in slots],
            "note": "" if slots else "no free time that day (closed or full)",
        }

    def search_knowledge(self, args: SearchArgs) -> Result:
        if self.knowledge is None:
            return {"passages": []}
        hits = self.knowledge.search(self.ctx.session, self.ctx.turn.org.id, args.query, k=3)
        return {
            "passages": [
                {"source": h.passage.source, "section": h.passage.heading, "text": h.passage.text}
                for h in hits
            ]
        }

    # writing tools: proposals only

    def register_pet(self, args: PetArgs) -> Result:
        if self.ctx.pet_named(args.name) is not None:
            return {"error": f"{args.name} is already registered"}
        if args.birth_date and args.birth_date > self.ctx.today:
            return {"error": "birth_date is in the future"}
        pet = NewPet(
            name=args.name.strip(),
            species=args.species.strip(),
            breed=args.breed,
            birth_date=args.birth_date,
        )
        return self._propose(Proposal(action="register_pet", pet=pet), f"cadastrar {args.name}")

    def book_service(self, args: BookArgs) -> Result:
        service = self._service(args.service)
        if service is None:
            return self._unknown_service(args.service)
        start = dt.datetime.combine(args.date, args.time, tzinfo=self.ctx.tz)
        problem = self._problem(service, start)
        if problem:
            return problem
        pet = self.ctx.pet_named(args.pet_name)
        proposal = Proposal(action="book", service_id=service.id, starts_at=start.isoformat())
        if pet is not None:
            proposal.pet_id = pet.id
        elif args.species:
            proposal.pet = NewPet(
                name=args.pet_name.strip(),
                species=args.species.strip(),
                breed=(args.breed or "SRD").strip(),
            )
        else:
            return {
                "error": f"{args.pet_name} is not registered: ask the species (and breed) and "
                "pass species and breed"
            }
        when = f"{say.day_label(args.date, self.ctx.today)} às {say.hhmm(start)}"
        price = words.quote_text(self.ctx.quote(service, pet))  # the pet's size's price
        return self._propose(proposal, f"{service.name} para {args.pet_name}, {when}, {price}")

    def cancel_booking(self, args: BookingIdArgs) -> Result:
        booking = self._upcoming(args.booking_id)
        if booking is None:
            return self._unknown_booking(args.booking_id)
        return self._propose(
            Proposal(action="cancel", booking_id=booking.id),
            f"cancelar {self._describe(booking)}",
        )

    def reschedule_booking(self, args: RescheduleArgs) -> Result:
        booking = self._upcoming(args.booking_id)
        if booking is None:
            return self._unknown_booking(args.booking_id)
        service = self.ctx.service(booking.service_id)
        if service is None:
            return {"error": "that booking's service is no longer offered"}
        self.ctx.ignore_booking = booking
        start = dt.datetime.combine(args.date, args.time, tzinfo=self.ctx.tz)
        problem = self._problem(service, start)
        self.ctx.ignore_booking = None
        if problem:
            return problem
        when = f"{say.day_label(args.date, self.ctx.today)} às {say.hhmm(start)}"
        return self._propose(
            Proposal(action="reschedule", booking_id=booking.id, starts_at=start.isoformat()),
            f"remarcar {self._describe(booking)} para {when}",
        )

    def handoff_to_human(self, args: HandoffArgs) -> Result:
        self.handoff = True
        return {"status": "a person of the team will take over; tell the customer so"}

    # helpers

    def _propose(self, proposal: Proposal, summary: str) -> Result:
        if self.proposed is not None:
            return {
                "error": f"one change at a time: the customer must first confirm "
                f"'{self.proposed}'; propose this one after that"
            }
        self.proposed = summary
        proposal.summary = summary
        self.state.pending = proposal
        return {
            "status": "proposed, NOT done yet",
            "summary": summary,
            "next": "Ask the customer to confirm (sim/não). It is done only when they confirm.",
        }

    def _service(self, name: str) -> ServiceInfo | None:
        exact = next((s for s in self.ctx.services if fold(s.name) == fold(name)), None)
        return exact or find_service(name, self.ctx.services)

    def _unknown_service(self, name: str) -> Result:
        names = ", ".join(s.name for s in self.ctx.services)
        return {"error": f"no service called {name!r}; services are: {names}"}

    def _problem(self, service: ServiceInfo, start: dt.datetime) -> Result | None:
        problem = self.ctx.slot_problem(service, start)
        if problem is None:
            return None
        reasons = {
            "past": "that time has already passed",
            "closed": "the shop is closed then (or the service would end after closing)",
            "taken": "that time is already taken",
            "too_soon": "too soon: the shop needs more notice before a booking",
            "too_far": "too far ahead: the shop does not book that far yet",
            "holiday": "it is a holiday and the shop is closed",
            "closure": "the shop is closed that day",
            "break": "the team is on a break (lunch) then",
        }
        free = [say.hhmm(s) for s in self.ctx.free(service, start.date())][:8]
        return {"error": reasons.get(problem, problem), "free_times_that_day": free}

    def _upcoming(self, booking_id: int) -> Any:
        upcoming = booking_repo.upcoming_for_contact(
            self.ctx.session, self.ctx.turn.org.id, self.ctx.turn.contact_id
        )
        return next((b for b in upcoming if b.id == booking_id), None)

    def _unknown_booking(self, booking_id: int) -> Result:
        return {"error": f"booking {booking_id} is not one of this customer's upcoming bookings"}

    def _describe(self, booking: Any) -> str:
        return describe(self.ctx, booking)
