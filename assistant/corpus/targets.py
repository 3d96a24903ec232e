"""Target groups of a service, read from its chapter, name and eligibility text.

One vocabulary for every source, so retrieval and answers can rely on it.
"""

from __future__ import annotations

import re

# Group -> words that, in a name, chapter or eligibility text, mean the service is for it.
_GROUP_WORDS: dict[str, str] = {
    "어르신": r"어르신|노인|노령|고령자|(?:6[05]|[789]\d)세\s?이상|노후|경로",
    "장애인": r"장애",
    "아동": r"아동|어린이|아이|초등학생|자녀",
    "청소년": r"청소년|중학생|고등학생|고교|학교\s?밖",
    "청년": r"청년|대학생|19세\s?~\s?34세|만\s?34세",
    "임산부": r"임산부|임신|출산|산모|난임|임부",
    "영유아": r"영유아|영아|유아|신생아|0\s?~\s?[25]세|미숙아|보육료|어린이집",
    "저소득": r"저소득|기초생활|수급자|차상위|중위소득|생계|취약계층|서민",
    "한부모": r"한부모|미혼모|미혼부|청소년부모",
    "다문화": r"다문화|결혼이민|이주배경|외국인",
    "보훈": r"보훈|국가유공자|참전|제대군인|독립유공|고엽제",
    "여성": r"여성|경력단절",
    "북한이탈주민": r"북한이탈|탈북",
    "농어업인": r"농어업|농업인|어업인|농촌|농어촌|어선",
    "구직자": r"구직|취업|실업|일자리",
    "1인가구": r"1인\s?가구|독거",
}
_PATTERNS = {group: re.compile(words) for group, words in _GROUP_WORDS.items()}


def infer_targets(*texts: str | None) -> tuple[str, ...]:
    """Groups named in any of `texts`, in the vocabulary's order."""
    joined = " ".join(t for t in texts if t)
    return tuple(group for group, pattern in _PATTERNS.items() if pattern.search(joined))


def order_targets(groups: set[str]) -> tuple[str, ...]:
    """`groups` in the vocabulary's order, unknown ones last, alphabetically."""
    known = [g for g in _GROUP_WORDS if g in groups]
    return (*known, *sorted(groups - set(known)))
