"""Every environment variable the code reads is documented for operators."""
from __future__ import annotations

from compose_files import env_example_names, readme_configuration_names, variables_read_by_code

# Read by the test suite's own plumbing or by libraries' conventions, not operator settings.
NOT_OPERATOR_SETTINGS = {"CI"}


def test_every_variable_the_code_reads_is_in_env_example():
    used = variables_read_by_code()
    missing = sorted(set(used) - env_example_names() - NOT_OPERATOR_SETTINGS)
    assert not missing, "document in .env.example: " + ", ".join(
        f"{name} (read in {used[name].relative_to(used[name].parents[1])})" for name in missing)


def test_every_variable_the_code_reads_is_in_the_readme_configuration_table():
    used = variables_read_by_code()
    missing = sorted(set(used) - readme_configuration_names() - NOT_OPERATOR_SETTINGS)
    assert not missing, "add a row to README.md's Configuration table for: " + ", ".join(missing)


def test_env_example_holds_no_secret_values():
    from compose_files import ENV_EXAMPLE
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            name, value = line.split("=", 1)
            if any(word in name for word in ("SECRET", "PASSWORD", "TOKEN", "SID")):
                assert value == "", f"{name} has a value in .env.example"
