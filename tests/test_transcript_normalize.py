import pytest

from assistant.evaluation.cer import cer, edit_counts, normalize_for_cer


@pytest.mark.parametrize("text, normalized", [
    ("이것은 시험용 테스트 녹음입니다.", "이것은시험용테스트녹음입니다"),
    ("네, 고객님! 다음에 또 뵐 수 있을까요?", "네고객님다음에또뵐수있을까요"),
    ("투표율 64.5%에", "투표율육십사점오퍼센트에"),
    ("투표율 육십사쩜오퍼센트에", "투표율육십사점오퍼센트에"),
    ("십오프로까지", "십오퍼센트까지"),
    ("프로그램", "프로그램"),  # 프로 is a percent only after a number
    ("제 키는 165cm입니다.", "제키는백육십오센티미터입니다"),
    ("제 키는 백육십오쎈티미터입니다.", "제키는백육십오센티미터입니다"),
    ("삼백씨씨 주세요", "삼백시시주세요"),
    ("2016년 7월 4일", "이천십육년칠월사일"),
    ("33만 4,810원", "삼십삼만사천팔백십원"),
    ("01번 마을버스", "공일번마을버스"),
    ("8시까지 3명", "여덟시까지세명"),
    ("지금쯤 LA에 도착했을 거예요", "지금쯤엘에이에도착했을거예요"),
    ("HD 내시경과 KTX", "에이치디내시경과케이티엑스"),
    ("Korea 여행", "korea여행"),  # words are not spelled out, only capitals
    ("300cc", "삼백시시"),
    # Decomposed Hangul (NFD, as some tools write it) compares equal to composed.
    ("\u1112\u1161\u11ab\u1100\u1173\u11af", "한글"),
    ("", ""),
])
def test_normalize_for_cer(text, normalized):
    assert normalize_for_cer(text) == normalized


@pytest.mark.parametrize("reference, hypothesis, expected", [
    ("선거 결과 투표율 육십사쩜오퍼센트에", "선거 결과 투표율 64.5%에", 0.0),
    ("이것은 시험용 테스트 녹음입니다", "이것은 시험용 패스 녹음입니다.", 2 / 14),
    ("내부 세차는요?", "", 1.0),
    ("", "", 0.0),
    ("", "잡음", 1.0),
])
def test_cer(reference, hypothesis, expected):
    assert cer(reference, hypothesis) == pytest.approx(expected)


def test_edit_counts_pool_over_a_set():
    errors, length = edit_counts("우리의 백일은 십일 남았어요.", "우리의 100일은 10일 남았어요")
    assert (errors, length) == (0, len("우리의백일은십일남았어요"))
