import pytest

from assistant.tts.speech_normalize import ADDRESS_NOTE, normalize_for_speech, speech_sentences


@pytest.mark.parametrize("text, spoken", [
    # amounts, ages, dates, percentages
    ("33만 4,810원", "삼십삼만 사천팔백십 원"),
    ("만 65세", "만 육십오 세"),
    ("월 최대 33만 4,810원입니다.", "월 최대 삼십삼만 사천팔백십 원입니다."),
    ("2024년 4월 1일부터 신청하세요.", "이천이십사년 사월 일일부터 신청하세요."),
    ("’21.10.14.부터", "이십일년 시월 십사일부터"),
    ("기준 중위소득 32% 이하", "기준 중위소득 삼십이 퍼센트 이하"),
    ("하루 8~12시간 착용", "하루 여덟에서 열두 시간 착용"),
    ("평일 09:00~18:00", "평일 아홉 시에서 열여덟 시"),
    # phone numbers: short service numbers as numbers, others digit by digit in groups
    ("☎129", "백이십구"),
    ("1588-3570", "일오팔팔에 삼오칠공"),
    ("031-310-5850", "공삼일에 삼일공에 오팔오공"),
    ("064–753–0711", "공육사에 칠오삼에 공칠일일"),
    ("보건복지상담센터(☎129)로 문의하세요.", "보건복지상담센터 백이십구로 문의하세요."),
    ("대청병원(☎1899-6075/내선 2번)", "대청병원 일팔구구에 육공칠오, 내선 이 번"),
    # symbols and brackets
    ("※ 소득인정액 기준 충족 시 지원", "소득인정액 기준 충족 시 지원"),
    ("○ 대상: 만 65세 이상", "대상, 만 육십오 세 이상"),
    ("노인·장애인 가구", "노인, 장애인 가구"),
    ("① 충족 시 50% 지급 ② 충족 시 나머지", "첫째, 충족 시 오십 퍼센트 지급 둘째, 충족 시 나머지"),
    ("희망사다리Ⅱ유형", "희망사다리이유형"),
    ("(진단 → 상담 → 교육/연계)", "진단, 상담, 교육, 연계"),
    ("‘체당금’이라는 용어를 “대지급금”으로", "체당금이라는 용어를 대지급금으로"),
    ("주민센터(행정복지센터)에 방문", "주민센터 행정복지센터에 방문"),
    ("첫 줄\n- 둘째 줄\n셋째 줄.", "첫 줄. 둘째 줄. 셋째 줄."),
    # nothing speakable
    ("★★★", ""),
    ("", ""),
])
def test_normalize_for_speech(text, spoken):
    assert normalize_for_speech(text) == spoken


@pytest.mark.parametrize("text, spoken", [
    ("복지로(www.bokjiro.go.kr)에서 신청하세요.", f"복지로 누리집에서 신청하세요. 누리집 {ADDRESS_NOTE}"),
    ("복지로 홈페이지(https://www.bokjiro.go.kr)에서 신청", f"복지로 홈페이지에서 신청. 누리집 {ADDRESS_NOTE}"),
    ("사회보장위원회(www.ssc.go.kr), 복지로(www.bokjiro.go.kr)", f"사회보장위원회 누리집, 복지로 누리집. 누리집 {ADDRESS_NOTE}"),
    ("문의는 help@korea.kr", f"문의는 전자우편. 전자우편 {ADDRESS_NOTE}"),
])
def test_web_and_mail_addresses_become_a_word_and_a_pointer_to_the_screen(text, spoken):
    assert normalize_for_speech(text) == spoken


def test_no_digit_or_symbol_survives_in_a_typical_answer():
    answer = ("기초연금은 만 65세 이상, 소득인정액이 선정기준액(단독가구 월 228만 원) 이하인 분께 "
              "월 최대 33만 4,810원을 드립니다. 문의: 국민연금공단(☎1355), 보건복지상담센터(☎129)")
    spoken = normalize_for_speech(answer)
    assert not any(ch.isdigit() for ch in spoken)
    assert not set(spoken) & set("()☎:%~")


def test_speech_sentences_split_on_sentence_ends():
    sentences = speech_sentences("기초연금은 만 65세 이상 어르신께 드립니다. 월 최대 33만 4,810원입니다! 문의는 ☎129로 하세요?")
    assert sentences == ["기초연금은 만 육십오 세 이상 어르신께 드립니다.", "월 최대 삼십삼만 사천팔백십 원입니다!",
                         "문의는 백이십구로 하세요?"]


def test_speech_sentences_cut_a_long_sentence_at_commas():
    long_sentence = ", ".join(["소득과 재산 기준을 확인해야 합니다"] * 8) + "."
    sentences = speech_sentences(long_sentence, max_chars=80)
    assert len(sentences) > 1
    assert all(len(s) <= 80 for s in sentences)
    assert "".join(sentences).replace(" ", "") == normalize_for_speech(long_sentence).replace(" ", "")


def test_speech_sentences_of_symbols_only_is_empty():
    assert speech_sentences("※ ○ ★") == []
