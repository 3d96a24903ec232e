"""What the assistant says on its own, outside answers: one set of sentences per channel.

The kiosk has a screen and buttons; the phone has neither, so every phone
prompt says which key does what. Kept short: a resident hears each once, in
real time.
"""

from __future__ import annotations

from dataclasses import dataclass

from .events import ServiceCard

DID_NOT_HEAR = "잘 못 들었어요. 다시 말씀해 주세요."
NOT_FOUND = "죄송해요, 그 내용은 찾지 못했어요. 다른 말로 다시 말씀해 주시거나 상담원 연결을 눌러 주세요."
CUT_SHORT = "말씀이 길어서 앞부분까지 듣고 답해 드릴게요."


@dataclass(frozen=True)
class Prompts:
    # Said when the conversation opens; None: the screen greets instead.
    greeting: str | None
    # Said at once after a spoken question, while it is answered, so a resident
    # who is not watching the screen knows they were heard; None: not said.
    thinking: str | None
    # 말하기 was pressed, and then nothing was said.
    nothing_heard: str
    # After this long listening with nothing said, the resident is asked once.
    still_there: str
    nothing_to_replay: str
    slower: str
    # A reply failed; the conversation goes on.
    sorry: str
    # The conversation ends because nobody spoke for a long time; None: it is wiped silently.
    goodbye: str | None
    busy: str
    # 상담원 연결: `{office}` is the community center's line; `service_first`, when
    # set, comes before it for the service being discussed (`{service}`, `{number}`).
    handoff: str
    service_first: str | None
    # A number key pressed that the last answer did not offer (phone).
    no_such_choice: str = "그 번호는 없어요. 궁금한 것을 말씀해 주세요."

    def fixed(self) -> list[str]:
        """The sentences that never change, to synthesize at start-up."""
        return [text for text in (self.greeting, self.thinking, self.nothing_heard, self.still_there,
                                  self.nothing_to_replay, self.slower, self.sorry, self.goodbye, self.busy,
                                  self.no_such_choice, DID_NOT_HEAR) if text]

    def handoff_speech(self, card: ServiceCard | None, office_phone: str) -> str:
        speech = self.handoff.format(office=office_phone)
        if self.service_first and card is not None and card.phones:
            speech = self.service_first.format(service=card.name, number=card.phones[0].number) + speech
        return speech


KIOSK = Prompts(
    greeting=None,
    thinking="네, 찾아볼게요.",
    nothing_heard="말씀이 들리지 않았어요. 말하기를 누르고 다시 말씀해 주세요.",
    still_there="말씀하시겠어요? 궁금한 것을 말씀하시고, 다 말씀하시면 말하기를 한 번 더 눌러 주세요.",
    nothing_to_replay="아직 드린 답이 없어요. 궁금한 것을 말씀해 주세요.",
    slower="천천히 말씀드릴게요.",
    sorry="죄송해요, 잠시 문제가 생겼어요. 다시 말씀해 주세요.",
    goodbye=None,
    busy="지금은 이용할 수 없어요. 잠시 후 다시 해 주세요.",
    handoff="주민센터 전화번호는 {office}번이에요. 화면의 번호로 전화하시면 상담원과 이야기하실 수 있어요.",
    service_first="{service} 문의는 {number}번, ",
)

PHONE = Prompts(
    greeting=("복지 안내 전화입니다. 궁금한 지원을 말씀해 주세요. "
              "상담원은 0번, 다시 듣기는 9번, 천천히 듣기는 별표를 누르세요."),
    thinking=None,
    nothing_heard="말씀이 들리지 않았어요. 궁금한 것을 말씀해 주세요.",
    still_there="말씀하시겠어요? 상담원은 0번을 누르세요.",
    nothing_to_replay="아직 드린 답이 없어요. 궁금한 것을 말씀해 주세요.",
    slower="천천히 말씀드릴게요.",
    sorry="죄송해요, 다시 한 번 말씀해 주세요.",
    goodbye="말씀이 없으셔서 전화를 끊겠습니다. 안녕히 계세요.",
    busy="지금은 통화가 많습니다. 잠시 후 다시 걸어 주세요.",
    handoff="상담원 전화번호는 {office}번입니다. 다시 한 번, {office}번입니다.",
    service_first=None,
)
