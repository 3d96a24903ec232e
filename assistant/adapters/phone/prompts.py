"""What the phone line says on its own, outside answers.

Callers cannot see a screen: every notice says what to do next and which key
does it. Kept short: callers hear them in real time, and the robotic fallback
voice speaks about four syllables a second.
"""

from __future__ import annotations

GREETING = ("복지 안내 전화입니다. 궁금한 지원을 말씀해 주세요. "
            "상담원은 0번, 다시 듣기는 9번, 천천히 듣기는 별표를 누르세요.")
NOTHING_TO_REPEAT = "아직 드린 답이 없어요. 궁금한 것을 말씀해 주세요."
SLOWER = "천천히 말씀드릴게요."
GOODBYE = "말씀이 없으셔서 전화를 끊겠습니다. 안녕히 계세요."
BUSY = "지금은 통화가 많습니다. 잠시 후 다시 걸어 주세요."
SORRY = "죄송해요, 다시 한 번 말씀해 주세요."


def transfer(number: str) -> str:
    return f"상담원 전화번호는 {number}번입니다. 다시 한 번, {number}번입니다."
