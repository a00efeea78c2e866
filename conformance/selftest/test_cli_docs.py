"""The manual pages (man/*.scd) and the bash completion
(data/bash-completion/bandsim) say what each command's --help says:
every option of bandsim, bandsim fleet, bandsim ctl and bandsim-life, and
every command of bandsim ctl, in both directions.  Every --help has an
example (issue 18, item 7).

The completion is run as bash runs it: sourced, its function called
with COMP_WORDS and COMP_CWORD as bash sets them, COMPREPLY read back.
"""

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from bandsim.tools import cli

pytestmark = pytest.mark.no_emulator

REPO = Path(__file__).resolve().parents[2]
MAN = REPO / "man"
COMPLETION = REPO / "data" / "bash-completion" / "bandsim"

# An option as --help and the man pages spell it: -t or --transport.
OPTION = re.compile(r"(?:^|[ ,\[])(--?[A-Za-z][A-Za-z0-9-]*)")


# ------------------------------------------------------------ --help

def run_help(binary: Path, *args: str) -> str:
    r = subprocess.run([str(binary), *args, "--help"], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return r.stdout


def help_options(text: str) -> set:
    """The options of a --help: each line that starts, indented, with
    an option ("  -t, --transport=sock|...  How ...", "  --seed N  the
    ..."); its first column only, so that the descriptions' mentions of
    other options do not count."""
    found = set()
    for line in text.splitlines():
        m = re.match(r"^ {1,4}(-\S.*?)(?: {2,}|$)", line)
        if m:
            found.update(OPTION.findall(m.group(1)))
    return found


def help_commands(text: str) -> set:
    """The commands of `bandsim ctl --help`: the lines indented by two
    between "Commands:" and "Examples:"."""
    body = text.split("Commands:\n", 1)[1].split("Examples:", 1)[0]
    return set(re.findall(r"^  ([a-z][a-z-]*)(?= |$)", body, re.M))


@pytest.fixture(scope="module")
def helps(emulator_binary) -> dict:
    life = emulator_binary.parent / "bandsim-life"
    if not life.is_file():
        pytest.fail(f"bandsim-life not found next to {emulator_binary}",
                    pytrace=False)
    return {
        "band": run_help(emulator_binary),
        "fleet": run_help(emulator_binary, "fleet"),
        "ctl": run_help(emulator_binary, "ctl"),
        "life": run_help(life),
    }


def test_help_parsers_find_what_is_there(helps):
    """Not empty sets compared with empty sets."""
    assert {"-t", "--transport", "--state-dir", "-V", "--version",
            "--help"} <= help_options(helps["band"])
    assert "--debug" in help_options(helps["band"])
    assert {"-n", "--count", "--dir"} <= help_options(helps["fleet"])
    assert "--socket" not in help_options(helps["fleet"])
    assert {"-b", "--band", "--control-bus"} <= help_options(helps["ctl"])
    assert {"--seed", "--format", "--sleep-assist", "--help"} <= \
        help_options(helps["life"])
    commands = help_commands(helps["ctl"])
    assert {"status", "press", "advance", "bands", "advance-all"} <= commands
    assert "bandsim" not in commands and "volume-down" not in commands


@pytest.mark.parametrize("which", ["band", "fleet", "ctl", "life"])
def test_every_help_has_an_example(helps, which):
    assert re.search(r"^Examples?:", helps[which], re.M)


def test_every_python_command_has_an_example():
    parser = cli.build_parser()
    assert "example:" in parser.format_help()
    for name, command in parser.commands.items():
        assert cli.EXAMPLES[name].startswith(f"python3 -m bandsim {name} ")
        assert "example:\n  " + cli.EXAMPLES[name] in command.format_help()


# ------------------------------------------------------------ man pages

def scd_sections(path: Path) -> dict:
    """An scdoc page's sections by name: "# OPTIONS" to the next "# "."""
    sections, name = {}, None
    for line in path.read_text().splitlines():
        if line.startswith("# "):
            name = line[2:].strip()
            sections[name] = []
        elif name:
            sections[name].append(line)
    return sections


def scd_terms(lines: list) -> list:
    """The terms of a section's list: each line whose next line is
    indented by a tab, its description."""
    return [line for line, after in zip(lines, lines[1:] + [""])
            if line and not line[0].isspace() and after.startswith("\t")]


def scd_options(lines: list) -> set:
    """The options a section documents: its terms that start with a bold
    option ("*-t*, *--transport*=_sock|..._")."""
    found = set()
    for term in scd_terms(lines):
        if term.startswith("*-"):
            found.update(OPTION.findall(re.sub(r"[*_]", "", term)))
    return found


def scd_commands(lines: list) -> set:
    """The commands a section documents: terms "*status*", "*advance* _S_"."""
    return {m.group(1) for term in scd_terms(lines)
            if (m := re.match(r"^\*([a-z][a-z-]*)\*", term))}


def differ(what: str, page: str, helped: set, documented: set,
           verb: str = "document") -> str:
    out = []
    if helped - documented:
        out.append(f"{what} that --help prints and {page} does not "
                   f"{verb}: {' '.join(sorted(helped - documented))}")
    if documented - helped:
        out.append(f"{what} that {page} {verb}s and --help does not "
                   f"print: {' '.join(sorted(documented - helped))}")
    return "\n".join(out)


def check_same(what, page, helped, documented):
    problem = differ(what, page, helped, documented)
    if problem:
        pytest.fail(problem + f"\n(update man/{page}.scd, or the --help)",
                    pytrace=False)


def test_bandsim_1_documents_every_option(helps):
    page = scd_sections(MAN / "bandsim.1.scd")
    band = help_options(helps["band"])
    check_same("options", "bandsim.1", band, scd_options(page["OPTIONS"]))
    # FLEET: what bandsim fleet takes beyond a band's options.
    fleet = help_options(helps["fleet"])
    check_same("bandsim fleet options", "bandsim.1", fleet - band,
               scd_options(page["FLEET"]))
    # and every one it refuses is named there, as refused.
    refused = band - fleet - {"-t", "-a", "-s"}
    assert refused == {"--socket", "--state-dir", "--btsnoop", "--transport",
                       "--adapter", "--history"}
    fleet_text = "\n".join(page["FLEET"])
    for option in refused:
        assert f"*{option}*" in fleet_text


def test_bandsim_ctl_1_documents_every_option_and_command(helps):
    page = scd_sections(MAN / "bandsim-ctl.1.scd")
    check_same("options", "bandsim-ctl.1", help_options(helps["ctl"]),
               scd_options(page["OPTIONS"]))
    check_same("commands", "bandsim-ctl.1", help_commands(helps["ctl"]),
               scd_commands(page["COMMANDS"]))


def test_bandsim_life_1_documents_every_option(helps):
    page = scd_sections(MAN / "bandsim-life.1.scd")
    check_same("options", "bandsim-life.1", help_options(helps["life"]),
               scd_options(page["OPTIONS"]))


def test_a_missing_option_is_caught():
    """The comparison the tests above make, on a page without one."""
    assert "--pace" in differ("options", "p", {"--pace", "--socket"},
                              {"--socket"})
    assert "--gone" in differ("options", "p", {"--socket"},
                              {"--socket", "--gone"})
    assert differ("options", "p", {"--socket"}, {"--socket"}) == ""


@pytest.mark.skipif(not shutil.which("scdoc"), reason="scdoc not installed")
@pytest.mark.parametrize("page", ["bandsim.1", "bandsim-ctl.1",
                                  "bandsim-life.1"])
def test_scdoc_renders_the_page(page):
    source = (MAN / f"{page}.scd").read_text()
    r = subprocess.run(["scdoc"], input=source, capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    name, section = page.split(".")
    assert f'.TH "{name}" "{section}"' in r.stdout
    assert ".SH EXAMPLES" in r.stdout


# ------------------------------------------------------------ completion

def complete(*words: str) -> list:
    """COMPREPLY for the command line `words` with the cursor at the end
    of the last word ("" for a new one), as bash's programmable
    completion sets it up; words split as bash splits them
    (COMP_WORDBREAKS: "--pace=r" is "--pace", "=", "r")."""
    line = " ".join(words)
    script = f"""
set -u
source {shlex.quote(str(COMPLETION))}
spec=($(complete -p {shlex.quote(words[0])}))
fn=${{spec[2]}}
COMP_WORDS=({" ".join(shlex.quote(w) for w in words)})
COMP_CWORD={len(words) - 1}
COMP_LINE={shlex.quote(line)}
COMP_POINT={len(line)}
COMPREPLY=()
"$fn" {shlex.quote(words[0])} {shlex.quote(words[-1])} \
    {shlex.quote(words[-2] if len(words) > 1 else "")}
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr
    return [w for w in r.stdout.split("\n") if w]


@pytest.mark.parametrize("words, expected", [
    (["bandsim", "--tr"], ["--transport"]),
    (["bandsim", "ctl", "ad"], ["advance", "add-band", "advance-all"]),
    (["bandsim", "ctl", "adv"], ["advance", "advance-all"]),
    (["bandsim", ""], ["ctl", "fleet"]),
    (["bandsim", "--transport", ""], ["sock", "l2cap", "bluez"]),
    (["bandsim", "--pace", "=", "r"], ["real"]),
    (["bandsim", "--control-bus", "="], ["session", "system", "none"]),
    (["bandsim", "--log-level", "d"], ["debug"]),
    (["bandsim", "--clock-rate", ""], []),
    (["bandsim", "fleet", "--c"], ["--count", "--control-bus",
                                   "--control-address", "--control-name",
                                   "--clock-rate", "--clock-start"]),
    (["bandsim", "ctl", "--control-bus", ""], ["session", "system"]),
    (["bandsim", "ctl", "--band", "3", "mus"], ["music"]),
    (["bandsim", "ctl", "--band", "=", "3", "music", "v"],
     ["volume-up", "volume-down"]),
    (["bandsim", "ctl", "alarm", "3", "o"], ["on", "off"]),
    (["bandsim", "ctl", "alarm", "o"], []),
    (["bandsim", "ctl", "find-phone", ""], ["start", "stop"]),
    (["bandsim", "ctl", "answer", "r"], ["reject"]),
    (["bandsim", "ctl", "press", ""], []),
    (["bandsim-life", "--format", ""], ["csv", "hex"]),
])
def test_completion(words, expected):
    assert complete(*words) == expected


def test_completion_of_paths(tmp_path):
    (tmp_path / "state dir").mkdir()
    (tmp_path / "shelf").mkdir()
    (tmp_path / "some.ini").write_text("")
    prefix = str(tmp_path / "s")
    assert sorted(complete("bandsim", "--state-dir", prefix)) == [
        str(tmp_path / "shelf"), str(tmp_path / "state dir")]
    assert sorted(complete("bandsim", "fleet", "--dir", prefix)) == [
        str(tmp_path / "shelf"), str(tmp_path / "state dir")]
    assert sorted(complete("bandsim", "--profile", prefix)) == [
        str(tmp_path / "shelf"), str(tmp_path / "some.ini"),
        str(tmp_path / "state dir")]
    assert complete("bandsim", "-p", str(tmp_path / "so")) == [
        str(tmp_path / "some.ini")]
    assert complete("bandsim", "--faults", "=", str(tmp_path / "so")) == [
        str(tmp_path / "some.ini")]


@pytest.mark.parametrize("which, words", [
    ("band", ["bandsim", "-"]),
    ("fleet", ["bandsim", "fleet", "-"]),
    ("ctl", ["bandsim", "ctl", "-"]),
    ("ctl", ["bandsim", "ctl", "status", "-"]),
    ("life", ["bandsim-life", "-"]),
])
def test_completion_offers_every_option_of_the_help(helps, which, words):
    offered = set(complete(*words))
    problem = differ("options", "the completion", help_options(helps[which]),
                     offered, "offer")
    if problem:
        pytest.fail(problem + "\n(update data/bash-completion/bandsim)",
                    pytrace=False)


def test_completion_offers_every_ctl_command(helps):
    problem = differ("commands", "the completion",
                     help_commands(helps["ctl"]),
                     set(complete("bandsim", "ctl", "")), "offer")
    if problem:
        pytest.fail(problem + "\n(update data/bash-completion/bandsim)",
                    pytrace=False)
