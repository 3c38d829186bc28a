"""The one table of problems: every domain error has its row, and the docs' error table is it."""

import re
from pathlib import Path

import pytest

import courses.exceptions
import students.exceptions
from school.errors import DomainError
from school.problems import PROBLEM_TYPES, problem_type_for

API_DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def domain_errors():
    for module in (courses.exceptions, students.exceptions):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, DomainError) and value is not DomainError:
                yield value


@pytest.mark.parametrize("error_class", list(domain_errors()), ids=lambda cls: cls.__name__)
def test_every_domain_error_has_exactly_one_problem(error_class):
    rows = [problem for problem in PROBLEM_TYPES if issubclass(error_class, problem.raised_by)]
    assert len(rows) == 1, f"{error_class.__name__} is raised by {len(rows)} rows of PROBLEM_TYPES"


def test_codes_are_unique_and_snake_case():
    codes = [problem.code for problem in PROBLEM_TYPES]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", code) for code in codes)


def test_the_docs_error_table_is_the_problem_table():
    documented = re.findall(r"^\| (\d{3}) \| `(\w+)` \| (.*?) \| .*? \|$", API_DOCS.read_text(), re.M)
    expected = [(str(problem.status), problem.code, problem.when) for problem in PROBLEM_TYPES]
    assert documented == expected, "copy the rows of school.problems.PROBLEM_TYPES into docs/api.md"


def test_an_unknown_exception_has_no_problem_and_is_a_server_error():
    assert problem_type_for(ValueError("boom")) is None
