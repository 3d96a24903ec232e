"""What the phone line says on its own, outside answers.

Callers cannot see a screen: every notice says what to do next and which key
does it.
"""

from __future__ import annotations

GREETING = ("안녕하세요, 복지 서비스 안내 전화입니다. 받을 수 있는 지원이나 신청 방법을 편하게 말씀해 주세요. "
            "다시 들으시려면 9번, 천천히 들으시려면 별표, 상담원과 통화하시려면 0번을 눌러 주세요.")
NOTHING_TO_REPEAT = "아직 다시 들려 드릴 답이 없어요. 궁금한 것을 말씀해 주세요."
SLOWER = "천천히 말씀드릴게요."
GOODBYE = "말씀이 없으셔서 전화를 끊겠습니다. 필요하시면 언제든 다시 걸어 주세요. 안녕히 계세요."
BUSY = "지금은 통화가 많아 연결하기 어렵습니다. 잠시 후에 다시 걸어 주세요."
SORRY = "죄송해요, 잠시 문제가 생겼어요. 다시 한 번 말씀해 주세요."


def transfer(number: str) -> str:
    return f"상담원 연결 번호를 알려 드릴게요. {number}번으로 전화해 주세요. 다시 한 번, {number}번입니다."
