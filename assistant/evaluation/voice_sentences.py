"""The development sentences for `assistant eval voice`: what the answerer says aloud.

`python -m assistant.evaluation.voice_sentences` rewrites
`assistant/evaluation/data/voice_dev.txt`: 100 services spread evenly over the
corpus, each asked one question kind in turn (so every kind is asked of 20
services), the spoken answer normalized for speech and cut into sentences as
the synthesizer cuts them, each sentence once. One kind per service keeps a
full evaluation run under half an hour on two cores. Regenerate the file
when the answer wording changes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..answer.answerer import Answerer
from ..answer.intent import Intent, classify
from ..config import Settings
from ..corpus.store import load_corpus
from ..tts.speech_normalize import speech_sentences

DEV_FILE = Path(__file__).parent / "data" / "voice_dev.txt"
SERVICES = 100
# One everyday question per kind, asked through the answerer's public path.
QUESTIONS = {
    Intent.APPLY: "어떻게 신청해요?",
    Intent.BENEFIT: "얼마 받아요?",
    Intent.ELIGIBILITY: "누가 받을 수 있어요?",
    Intent.CONTACT: "전화번호 알려 주세요.",
    Intent.GENERAL: "알려 주세요.",
}


def spoken_sentences(settings: Settings, services: int = SERVICES) -> list[str]:
    """Each sentence of `spoken_answers`, once, as the synthesizer cuts them."""
    sentences: dict[str, None] = {}
    for speech in spoken_answers(settings, services):
        sentences.update(dict.fromkeys(speech_sentences(speech)))
    return list(sentences)


def spoken_answers(settings: Settings, services: int = SERVICES) -> list[str]:
    """The spoken answers of `services` services spread over the corpus, one question kind each in turn."""
    corpus = load_corpus(settings.corpus.dir)
    answerer = Answerer(corpus, settings)
    ordered = sorted(corpus.services, key=lambda s: s.id)
    step = max(1, len(ordered) // services)
    answers = []
    kinds = list(QUESTIONS.items())
    kinds_asked: list[Intent] = []
    for service in ordered[::step][:services]:
        intent, question = kinds[len(kinds_asked) % len(kinds)]
        kinds_asked.append(intent)
        assert classify(question) is intent, (question, intent)
        answers.append(answerer.answer(question, [(service, 1.0)], 1.0).speech)
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEV_FILE)
    args = parser.parse_args()
    lines = spoken_sentences(Settings.load())
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} sentences -> {args.out}")


if __name__ == "__main__":
    main()
