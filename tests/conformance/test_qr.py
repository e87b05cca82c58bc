"""The QR Code encoder (`chainstore codec qr`) against segno.

Each case runs `chainstore codec qr --correction L|M|Q|H [--mask K] [--version V] -- TEXT` and
compares the printed rows ("1" dark, "0" light, one line per row, nothing else) with segno's matrix
for the same UTF-8 bytes in byte mode, no ECI, without segno's error-level boost. `--version` is a
minimum, so segno is asked for the larger of it and the smallest version that fits. Cases are
generated with a fixed seed: ASCII, payment URLs, Chinese and mixed UTF-8 (up to 4-byte
characters), every level, forced masks 0–7, minimum versions with and without version information
(version 7 and up), the largest version-40 payload at level L, the automatic mask (read back from
the format information and compared with segno's choice) and texts too long for any version.

segno 1.6.6 departs from ISO/IEC 18004 in one place: when the bit stream already ends on a
codeword boundary after the terminator (always so in byte mode), it adds a whole zero codeword
before the 0xEC/0x11 pad codewords (heuer/segno#148, still open). Scanners read both, but every
module after the data differs, so the reference below is segno with that function corrected to
the standard's "zeros up to the next codeword boundary".
"""
import os
import random
import subprocess

import pytest

BIN = os.environ.get("CHAINSTORE_BIN")
if not BIN:
    pytest.skip("CHAINSTORE_BIN is not set (path to the chainstore executable)", allow_module_level=True)

import segno  # noqa: E402
from segno import encoder  # noqa: E402

# heuer/segno#148: pad with zeros to the codeword boundary only when not already on one.
encoder.write_padding_bits = lambda buff, version, length: buff.extend([0] * (-length % 8))

LEVELS = "LMQH"
# Byte-mode capacity of version 40, per level (ISO/IEC 18004 Table 7).
CAPACITY_40 = {"L": 2953, "M": 2331, "Q": 1663, "H": 1273}
CHINESE = "扫码支付门店商品价格订单退款会员积分微信支付宝欢迎光临谢谢惠顾鲜奶面包水果蔬菜"
URL_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

rng = random.Random(20260615)


def random_text(kind, length):
    if kind == "ascii":
        return "".join(chr(rng.randrange(32, 127)) for _ in range(length))
    if kind == "url":
        return rng.choice(["weixin://wxpay/bizpayurl?pr=", "https://qr.alipay.com/", "https://shop.example.cn/p/"]) + \
            "".join(rng.choice(URL_CHARS) for _ in range(length))
    if kind == "chinese":
        return "".join(rng.choice(CHINESE + "0123456789 ，。") for _ in range(length))
    # mixed: 1- to 4-byte UTF-8 (no NUL, which a command line cannot carry; no surrogates)
    return "".join(chr(rng.choice([rng.randrange(1, 0x80), rng.randrange(0x80, 0x800), rng.randrange(0x800, 0xD800),
                                    rng.randrange(0x10000, 0x110000)])) for _ in range(length))


def random_case_text(max_scale):
    kind = rng.choice(["ascii", "url", "chinese", "mixed"])
    return random_text(kind, rng.randint(1, rng.choice([4, 10, 20, 50, max_scale])))


CASES = []  # (id, text, level, mask or None, minimum version or None)

# Forced masks: every level with every mask, all kinds of text, minimum versions 1–40.
for i in range(200):
    level = LEVELS[i % 4]
    text = random_case_text(200)
    version = rng.choice([None, None, rng.randint(1, 6), rng.randint(7, 40)])
    if len(text.encode()) > CAPACITY_40[level]:
        text = text[:100]
    CASES.append((f"mask-{i:03}", text, level, (i // 4) % 8, version))

# Version information (7 and up) at fixed versions, every level and mask.
for i, version in enumerate([7, 8, 9, 10, 14, 21, 27, 32, 36, 40]):
    CASES.append((f"version-{version}", random_text("url", rng.randint(1, 20)), LEVELS[i % 4], i % 8, version))

# The automatic mask: segno scores the four penalty rules the same way and must pick the same one.
for i in range(120):
    level = LEVELS[i % 4]
    text = random_case_text(120 if i % 6 else 400)
    version = rng.choice([None, None, None, rng.randint(1, 12)])
    CASES.append((f"auto-{i:03}", text, level, None, version))

# The largest payload: version 40 at level L, automatic and forced mask.
LONGEST = "".join(rng.choice(URL_CHARS) for _ in range(CAPACITY_40["L"]))
CASES.append(("v40-L-full-auto", LONGEST, "L", None, None))
CASES.append(("v40-L-full-mask5", LONGEST, "L", 5, None))
CASES.append(("v40-L-chinese", "".join(rng.choice(CHINESE) for _ in range(CAPACITY_40["L"] // 3)), "L", 2, None))
CASES.append(("v40-H-full", "".join(rng.choice(URL_CHARS) for _ in range(CAPACITY_40["H"])), "H", 7, None))
CASES.append(("payment-url", "weixin://wxpay/bizpayurl?pr=abc123", "M", None, None))
CASES.append(("leading-dash", "-v --mask 3", "Q", None, None))


def run_qr(text, level=None, mask=None, version=None):
    args = [BIN, "codec", "qr"]
    if level is not None:
        args += ["--correction", level]
    if mask is not None:
        args += ["--mask", str(mask)]
    if version is not None:
        args += ["--version", str(version)]
    # "--" so that a text starting with "-" is not read as an option; bytes so that it is UTF-8.
    return subprocess.run([*args, "--", text.encode()], capture_output=True, text=True, timeout=60)


def reference(text, level, mask, version):
    """segno's symbol at the smallest version that fits and is at least `version`."""
    data = text.encode()
    fitting = segno.make(data, error=level, mode="byte", micro=False, boost_error=False, mask=0).version
    return segno.make(data, error=level, version=max(version or 1, fitting), mask=mask, mode="byte",
                      micro=False, boost_error=False)


def rows_of(code):
    return ["".join("1" if module else "0" for module in row) for row in code.matrix]


def format_of(rows):
    """(level, mask) read from the format information beside the top-left finder."""
    positions = [(8, y) for y in range(6)] + [(8, 7), (8, 8), (7, 8)] + [(14 - i, 8) for i in range(9, 15)]
    bits = sum(1 << i for i, (x, y) in enumerate(positions) if rows[y][x] == "1") ^ 0x5412
    return {1: "L", 0: "M", 3: "Q", 2: "H"}[bits >> 13], (bits >> 10) & 7


def test_case_counts():
    assert 300 <= len(CASES) <= 400
    assert len({case[0] for case in CASES}) == len(CASES)
    assert {case[3] for case in CASES if case[3] is not None} == set(range(8))


@pytest.mark.parametrize("case_id,text,level,mask,version", CASES, ids=[case[0] for case in CASES])
def test_matrix_equals_segno(case_id, text, level, mask, version):
    expected = reference(text, level, mask, version)
    expected_rows = rows_of(expected)
    assert format_of(expected_rows) == (level, expected.mask)
    answer = run_qr(text, level, mask, version)
    assert answer.returncode == 0, answer.stderr
    got = answer.stdout.split("\n")
    assert got[-1] == "", "the rows end with a newline and nothing follows"
    got = got[:-1]
    assert len(got) == len(expected_rows), f"version {(len(got) - 17) / 4}, segno {expected.version}"
    assert format_of(got) == (level, expected.mask), "automatic mask differs from segno's" if mask is None else ""
    assert got == expected_rows


def test_correction_defaults_to_medium():
    text = "https://shop.example.cn/p/6901234567892"
    answer = run_qr(text)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.splitlines() == rows_of(reference(text, "M", None, None))


@pytest.mark.parametrize("level", LEVELS)
def test_too_long_fails_with_a_message(level):
    fits = "a" * CAPACITY_40[level]
    assert run_qr(fits, level, mask=0).returncode == 0
    answer = run_qr(fits + "a", level)
    assert answer.returncode != 0
    assert answer.stdout == ""
    assert str(CAPACITY_40[level]) in answer.stderr, answer.stderr


def test_too_long_in_utf8_bytes():
    # 985 Chinese characters are 2,955 bytes: too long at L although far fewer than 2,953 characters.
    answer = run_qr("码" * 985, "L")
    assert answer.returncode != 0 and answer.stderr.strip()


@pytest.mark.parametrize("args", [["--mask", "8"], ["--version", "0"], ["--version", "41"], ["--correction", "X"]])
def test_bad_options_fail(args):
    answer = subprocess.run([BIN, "codec", "qr", *args, "--", "text"], capture_output=True, text=True, timeout=60)
    assert answer.returncode != 0 and answer.stderr.strip() and answer.stdout == ""


def test_empty_text_fails():
    answer = run_qr("", "M")
    assert answer.returncode != 0 and answer.stderr.strip()
