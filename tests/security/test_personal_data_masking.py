"""One masking function for every format a clerk types, and free text masked and restored around it."""

import time

import pytest

from cases.personal import contains_numbers, mask_phone, mask_text, restore_numbers, scrub_numbers


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("008613812345678", "138****5678"),
        ("１３８１２３４５６７８", "138****5678"),
        ("１３８ １２３４ ５６７８", "138****5678"),
        ("62181234", "****1234"),
        ("6218 1234", "****1234"),
        ("021-62181234", "021-****1234"),
        ("(021) 6218 1234", "021-****1234"),
        ("０２１－６２１８１２３４", "021-****1234"),
        ("0512-6218123", "0512-****123"),
        ("021-62181234-801", "021-*******4801"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_a_phone_is_masked_in_every_format_a_clerk_types(typed, shown):
    assert mask_phone(typed) == shown


@pytest.mark.parametrize("typed", ["62181234", "13812345678", "021-62181234", "6218123", "12345", "123456789012"])
def test_masking_always_hides_digits_never_only_adds_stars(typed):
    masked = mask_phone(typed)
    digits = "".join(ch for ch in typed if ch.isdigit())
    shown = "".join(ch for ch in masked if ch.isdigit())
    assert len(digits) - len(shown) >= min(4, len(digits) // 2)
    assert masked.count("*") == len(digits) - len(shown)


def test_numbers_inside_free_text_are_masked_whatever_their_form():
    text = (
        "手机13812345678，空格 139 8765 4321，全角１３７０２２４４６６８，座机021-62181234，"
        "电话：62189999，身份证310101198001017777，旧证件31010180010177X，另 11010519491231002X。"
    )
    masked = mask_text(text)
    for whole in ("13812345678", "98765", "02244668", "62181234", "62189999", "198001017777", "19491231002"):
        assert whole not in masked.replace(" ", "")
    assert "138****5678" in masked and "021-****1234" in masked and "电话：****9999" in masked
    assert "，" in masked and "：" in masked  # the rest of the text is unchanged (no width folding)


def test_a_bare_local_number_after_a_word_for_calling_is_masked():
    for text in ("请回电 62185555", "致电62185555", "来电：62185555", "拨打 6218 5555"):
        assert "2185555" not in mask_text(text).replace(" ", ""), text


def test_text_without_numbers_is_unchanged():
    text = "福安大厦2号楼电梯故障，已持续3天（共两部），１楼按钮失灵。"
    assert mask_text(text) == text
    assert not contains_numbers(text)


def test_scrubbing_removes_ids_and_phones_in_any_form():
    scrubbed = scrub_numbers("证件 110105 19491231 002X，电话 １３８１２３４５６７８")
    assert "1949" not in scrubbed and "5678" not in scrubbed


def test_an_edited_text_keeps_the_numbers_it_showed_masked():
    original = "请回电 021-64331188，身份证 310101198001017777"
    edited = mask_text(original).replace("请回电", "请尽快回电") + "，新号 13900001111"
    assert restore_numbers(edited, original) == "请尽快回电 021-64331188，身份证 310101198001017777，新号 13900001111"


@pytest.mark.parametrize(
    "adversarial", ["1" * 100_000, "0" * 100_000, "1 " * 50_000, "电话" + "2" * 100_000, "a1" * 50_000, "１" * 100_000]
)
def test_masking_a_hundred_thousand_characters_takes_well_under_a_second(adversarial):
    started = time.process_time()
    mask_text(adversarial)
    scrub_numbers(adversarial)
    assert time.process_time() - started < 1.0


def test_every_unicode_digit_counts_as_the_digit_it_is():
    """A number typed in full-width or any other script's digits is found and masked like ASCII digits."""
    import sys
    import unicodedata

    from cases.personal import to_ascii_digits

    digits = "".join(chr(c) for c in range(128, sys.maxunicode + 1) if chr(c).isdecimal())
    assert len(digits) > 600
    assert to_ascii_digits(digits) == "".join(str(unicodedata.decimal(ch)) for ch in digits)
    assert to_ascii_digits("电话：＋８６ １３８１２３４５６７８") == "电话：+86 13812345678"
    bengali = "".join(chr(0x09E6 + int(d)) for d in "13812345678")
    assert "5678" in mask_text(f"联系电话{bengali}") and bengali not in mask_text(f"联系电话{bengali}")
    assert mask_text("第6次跟进：楼道堆物已清") == "第6次跟进：楼道堆物已清"  # under seven digits: nothing to mask
