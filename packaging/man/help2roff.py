#!/usr/bin/env python3
"""Man pages made from text the programs already carry, so they cannot
drift from it:

  help2roff.py cli PROGRAM SECTION VERSION OUT
      runs PROGRAM --help (the CLI's NAME/SYNOPSIS/DESCRIPTION/OPTIONS/...
      layout, cli/cli_common.c) and turns it into roff;
  help2roff.py conf INTRO CONF VERSION OUT
      the hand-written INTRO page (vas.conf.5.in) followed by the annotated
      CONF file (packaging/vas.conf) verbatim.
"""
import os
import re
import subprocess
import sys

OPTION_COLUMN = 22  # where the CLI help puts option descriptions


def esc(text):
    """Roff-safe text: backslashes, and dashes that start a word (options)."""
    text = text.replace("\\", "\\e")
    return re.sub(r"(?:^|(?<=[\s\[(,|'\"]))-+",
                  lambda m: "\\-" * len(m.group(0)), text)


def line(text):
    """A text line that roff must not take for a request."""
    text = esc(text)
    return "\\&" + text if text[:1] in (".", "'") else text


def sections(help_text):
    """[(TITLE, [lines without the 2-space indent])] of the help."""
    out = []
    for raw in help_text.splitlines():
        if re.fullmatch(r"[A-Z][A-Z ]+", raw):
            out.append((raw, []))
        elif out:
            out[-1][1].append(raw[2:] if raw.startswith("  ") else raw.strip())
    return out


def options(lines):
    """.TP items: a tag line ("-r, --redundancy N  text") and its text."""
    roff = []
    for text in lines:
        if not text.strip():
            continue
        if text.startswith(" " * (OPTION_COLUMN - 2)):
            roff.append(line(text.strip()))
            continue
        tag, _, desc = text.strip().partition("  ")
        roff += [".TP", "\\fB" + esc(tag.strip()) + "\\fR"]
        if desc.strip():
            roff.append(line(desc.strip()))
    return roff


def paragraphs(lines):
    """Filled text; "Errors: ..." after a full stop starts a paragraph."""
    roff, prev = [], ""
    for text in lines:
        if not text.strip():
            roff.append(".PP")
        else:
            if re.match(r"[A-Z][a-z]+( [a-z]+)?:", text) and prev.endswith((".", ")")):
                roff.append(".PP")
            roff.append(line(text))
        prev = text.strip()
    return roff


def cli_page(prog, section, version):
    name = os.path.basename(prog)
    help_text = subprocess.run([prog, "--help"], check=True, capture_output=True,
                               text=True, env=dict(os.environ, LC_ALL="C")).stdout
    roff = ['.TH %s %s "" "vastsky %s" "Vastsky"' % (esc(name.upper()), section, version)]
    for title, lines in sections(help_text):
        while lines and not lines[-1].strip():
            lines.pop()
        roff.append(".SH " + title)
        if title == "NAME":
            roff.append(esc(" ".join(lines)).replace(" - ", " \\- ", 1))
        elif title == "SYNOPSIS":
            roff += [".B " + esc(name), esc(" ".join(lines)[len(name):].strip())]
        elif title == "OPTIONS":
            roff += options(lines)
        else:
            roff += paragraphs(lines)
    roff += [".SH SEE ALSO", ".BR vas (1),", ".BR vas.conf (5),", ".BR vas_sm (8)"]
    return "\n".join(roff) + "\n"


def conf_page(intro, conf, version):
    with open(intro) as f:
        roff = f.read().replace("@PROJECT_VERSION@", version)
    roff += ".SH THE FILE AS INSTALLED\n.nf\n"
    with open(conf) as f:
        roff += "".join(line(l.rstrip("\n")) + "\n" for l in f)
    return roff + ".fi\n"


def main(argv):
    if len(argv) != 6 or argv[1] not in ("cli", "conf"):
        sys.stderr.write(__doc__)
        return 2
    if argv[1] == "cli":
        page = cli_page(argv[2], argv[3], argv[4])
    else:
        page = conf_page(argv[2], argv[3], argv[4])
    with open(argv[5], "w") as f:
        f.write(page)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
