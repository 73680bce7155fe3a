import itertools

import pytest

from webapp.domain import nhs_number


@pytest.mark.parametrize("text", ["9990000018", "999 000 0026", "999-000-0034"])
def test_valid(text):
    assert nhs_number.is_valid(text)


@pytest.mark.parametrize("text", ["9991234560", "999000001", "99900000188", "abcdefghij", "", None])
def test_invalid(text):
    assert not nhs_number.is_valid(text)


def test_test_range_numbers_all_pass_and_are_unique():
    numbers = list(itertools.islice(nhs_number.test_range(), 500))
    assert all(n.startswith("999") and nhs_number.is_valid(n) for n in numbers)
    assert len(set(numbers)) == 500
