"""Optional small-LLM rewriting of the extractive answer into natural speech.

No LLM weights ship with the product. A deployer puts a Hugging Face causal
language model (a small Korean-capable instruct model) in `answer.llm_dir` and
installs the extra (`pip install -e '.[llm]'`). Without them the extractive
answer is used and `assistant models status` says what is missing. A rewrite
that states any number not in the record is discarded.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

from ..config import AnswerSettings
from .facts import ungrounded

log = logging.getLogger(__name__)

_PROMPT = (
    "다음은 복지 서비스 안내 자료입니다. 자료에 있는 내용만으로, 어르신께 말로 들려드릴 "
    "짧은 답변을 세 문장 이내로 쓰세요. 숫자와 전화번호는 자료에 있는 그대로 쓰세요.\n\n"
    "자료:\n{record}\n\n질문: {question}\n초안: {draft}\n답변:"
)


def missing_reason(settings: AnswerSettings) -> str | None:
    """Why the LLM cannot be used, or None when it can."""
    if settings.engine == "extractive":
        return "extractive answers (configured)"
    if not (Path(settings.llm_dir) / "config.json").exists():
        return (f"extractive answers: no LLM weights in {settings.llm_dir} (put a Hugging Face "
                "causal LM there, or set answer.llm_dir)")
    if importlib.util.find_spec("transformers") is None:
        return "extractive answers: LLM weights found but transformers is not installed (pip install -e '.[llm]')"
    return None


def llm_status(settings: AnswerSettings) -> str:
    return missing_reason(settings) or f"LLM from {settings.llm_dir}, checked against the record"


class LlmRewriter:
    def __init__(self, model_dir: Path, max_new_tokens: int = 120):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self._tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        self._model = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True)
        self._max_new_tokens = max_new_tokens

    @classmethod
    def load(cls, settings: AnswerSettings) -> LlmRewriter | None:
        reason = missing_reason(settings)
        if reason:
            if settings.engine == "llm":
                log.warning("answer.engine is 'llm' but %s", reason)
            return None
        return cls(Path(settings.llm_dir))

    def rewrite(self, question: str, draft: str, record: str) -> str | None:
        """A natural rewrite of `draft`, or None when it strays from the record."""
        prompt = _PROMPT.format(record=record[:3000], question=question, draft=draft)
        inputs = self._tokenizer(prompt, return_tensors="pt")
        output = self._model.generate(**inputs, max_new_tokens=self._max_new_tokens, do_sample=False)
        text = self._tokenizer.decode(output[0][inputs["input_ids"].shape[1]:], skip_special_tokens=True).strip()
        text = text.split("\n")[0].strip()
        if not text or ungrounded(text, [record]):
            return None
        return text
