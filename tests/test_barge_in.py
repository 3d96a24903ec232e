"""What a short utterance over a playing reply means, read with the real Kiwi."""

from __future__ import annotations

import pytest

from assistant.core.barge_in import BargeInPolicy, is_backchannel, judge
from assistant.core.events import Transcript

# A listener's acknowledgements and fillers, as Whisper writes them.
BACKCHANNELS = ["네", "네.", "네, 네, 네.", "예.", "응", "으응", "음.", "어", "아 네", "그래요", "맞아요",
                "알겠어요", "아, 그렇군요", "네 맞아요", "글쎄요", "어머", "아이고", "에헴"]
# Words that take the turn: questions, corrections, calls for attention, a "pardon?".
TURNS = ["네?", "어?", "아니요", "아뇨", "여보세요", "저기요", "뭐", "잠깐만요", "기초연금은요?", "장애수당",
         "네, 그런데 기초연금은 얼마예요?", "음 그러니까 주민센터", "알려주세요", "감사합니다", "네 네 네 네 네"]


@pytest.mark.parametrize("text", BACKCHANNELS)
def test_acknowledgements_are_backchannels(text):
    assert is_backchannel(text)


@pytest.mark.parametrize("text", TURNS)
def test_words_that_take_the_turn_are_not(text):
    assert not is_backchannel(text)


@pytest.mark.parametrize("transcript,action,reason", [
    (Transcript(text="네.", confidence=0.3), "resume", "backchannel"),
    (Transcript(text="", confidence=0.0, rejected="no speech"), "resume", "not_speech"),
    (Transcript(text="데이크", confidence=0.21), "resume", "unclear"),
    (Transcript(text="기초연금은요?", confidence=0.6), "cut", None),
])
def test_the_verdict(transcript, action, reason):
    verdict = judge(transcript, BargeInPolicy())
    assert (verdict.action, verdict.reason) == (action, reason)
