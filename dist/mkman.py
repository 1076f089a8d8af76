#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# mkman.py NATD OUTDIR [VERSION] - writes natd's man pages from its --help
# texts, the one source of both (nothing here restates what natd does).
#
# natd(1) comes from `natd --help`; natd-COMMAND(1) from `natd COMMAND
# --help` for every command natd --help lists, with a SUBCOMMANDS section
# from `natd COMMAND SUB --help` for every SUB of its "Subcommands" list. The
# one-line NAME of each page is the command's line in natd --help.
#
# The --help texts follow a few conventions, which are what this reads:
#   Usage: ...            first line (and lines indented under it): SYNOPSIS
#   Heading:              a line at column 0 ending in ':' starts a section;
#                         Environment, Files, Exit status, Examples become
#                         ENVIRONMENT, FILES, EXIT STATUS, EXAMPLES, others
#                         subsections
#   Exit status: ...      a paragraph starting so is EXIT STATUS
#     TERM   text         an indented term, two or more spaces, its text
#                         (continued at the text's column, or the term alone
#                         with the text on the next lines): a tagged item;
#                         lines deeper than the text's column stay as they are
#     natd ... / deeper   other indented lines: shown as they are (examples,
#                         tables)
import os
import re
import subprocess
import sys

SECTIONS = {"environment": "ENVIRONMENT", "files": "FILES", "exit status": "EXIT STATUS",
            "examples": "EXAMPLES", "example": "EXAMPLES"}


def esc(text):
    """Roff-escapes one line of text (not a request)."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def help_text(natd, *args):
    r = subprocess.run([natd, *args, "--help"], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        sys.exit(f"mkman: natd {' '.join(args)} --help exited {r.returncode}: {r.stderr.strip()}")
    return r.stdout.expandtabs()


ITEM = re.compile(r"^( {1,6})(\S(?:.*?\S)?)( {2,})(\S.*)$")


def indent(line):
    return len(line) - len(line.lstrip(" "))


def item_at(lines, i):
    """(term, text column, first text or None) when lines[i] starts a tagged
    item: an indented term, then its text after two or more spaces or on
    the next lines, indented deeper than the term by 5 or more and to column
    16 or more."""
    line = lines[i]
    k = indent(line)
    if k == 0 or k > 6 or line.lstrip().startswith(("natd ", "$ ")):
        return None
    nxt = indent(lines[i + 1]) if i + 1 < len(lines) and lines[i + 1].strip() else 0
    m = ITEM.match(line)
    if m:
        col = len(m.group(1)) + len(m.group(2)) + len(m.group(3))
        if nxt <= k or nxt >= col:
            return m.group(2), col, m.group(4)
    if nxt > k + 4 and nxt >= 16:
        if len(line) > nxt and line[nxt - 1] == " " and line[nxt] != " ":
            return line[k:nxt].strip(), nxt, line[nxt:]
        return line.strip(), nxt, None
    return None


class Page:
    def __init__(self):
        self.out = []
        self.section = None

    def sh(self, name):
        self.out.append(f'.SH "{name}"')
        self.section = name

    def ss(self, name):
        self.out.append('.SS "' + esc(name).replace('"', "\\(dq") + '"')

    def verbatim(self, lines, base):
        self.out += [".PP", ".RS 4", ".nf"]
        self.out += [esc(l[base:] if len(l) >= base else l.lstrip()) for l in lines]
        self.out += [".fi", ".RE"]

    def body(self, lines, first_section="DESCRIPTION", heading=None):
        """Renders the text after the Usage lines."""
        if first_section and self.section != first_section:
            self.sh(first_section)
        i, n = 0, len(lines)
        para = []

        def flush():
            if para:
                self.out.append(".PP")
                self.out += [esc(l.strip()) for l in para]
                para.clear()

        while i < n:
            line = lines[i]
            if not line.strip():
                flush()
                i += 1
                continue
            if indent(line) == 0 and line.endswith(":") and line[0].isupper() and \
                    ". " not in line and (i == 0 or not lines[i - 1].strip()):
                flush()
                name = line[:-1]
                key = re.sub(r"\s*\(.*\)$", "", name).lower()
                if key in SECTIONS and heading is None:
                    self.sh(SECTIONS[key])
                elif heading is not None:
                    self.out += [".PP", "\\fB" + esc(name) + "\\fR"]
                else:
                    self.ss(name)
                i += 1
                continue
            m = re.match(r"^(Exit status|Environment|Files|Examples?):\s+(.*)$", line)
            if m and heading is None:
                flush()
                self.sh(SECTIONS[m.group(1).lower()])
                para.append(m.group(2))
                i += 1
                continue
            if indent(line) > 0 and para and para[-1].rstrip().endswith(":") and \
                    not item_at(lines, i):
                block = []
                while i < n and lines[i].strip() and indent(lines[i]) > 0:
                    block.append(lines[i])
                    i += 1
                flush()
                self.verbatim(block, min(indent(b) for b in block))
                continue
            it = item_at(lines, i)
            if it:
                flush()
                term, col, first = it
                desc = [first] if first else []
                i += 1
                # continuation: at the text's column; deeper: kept as is
                while i < n and lines[i].strip() and indent(lines[i]) >= col:
                    desc.append(lines[i][col:] if indent(lines[i]) > col else lines[i].strip())
                    i += 1
                self.out += [".TP", "\\fB" + esc(term) + "\\fR"]
                self.item_body(desc)
                continue
            if indent(line) > 0:
                flush()
                block = []
                base = indent(line)
                while i < n and lines[i].strip() and indent(lines[i]) > 0 and (
                        indent(lines[i]) > base or not item_at(lines, i)):
                    block.append(lines[i])
                    i += 1
                if base <= 2 and not block[0].lstrip().startswith(("natd ", "-", "$")) \
                        and all(indent(b) == base and "$ " not in b for b in block):
                    para += block  # indented prose
                else:
                    self.verbatim(block, base)
                continue
            para.append(line)
            i += 1
        flush()

    def item_body(self, desc):
        text, deep = [], []
        for d in desc:
            if d.startswith(" "):
                deep.append(d)
                continue
            if deep:
                self.item_flush(text)
                self.out += [".nf"] + [esc(x) for x in deep] + [".fi"]
                text, deep = [], []
            text.append(d)
        self.item_flush(text)
        if deep:
            self.out += [".nf"] + [esc(x) for x in deep] + [".fi"]

    def item_flush(self, text):
        self.out += [esc(t.strip()) for t in text]


def split_usage(text):
    lines = text.rstrip("\n").split("\n")
    if not lines[0].startswith("Usage: "):
        sys.exit(f"mkman: help text does not start with 'Usage: ': {lines[0]!r}")
    usage = [lines[0][len("Usage: "):]]
    i = 1
    while i < len(lines) and lines[i].startswith(" ") and lines[i].strip():
        usage.append(lines[i].strip())
        i += 1
    return usage, lines[i:]


def commands(main_help):
    """(name, one-line description) of each command natd --help lists."""
    lines = main_help.split("\n")
    i = lines.index("Commands:") + 1
    cmds = []
    while i < len(lines) and lines[i].strip():
        it = item_at(lines, i)
        if not it:
            sys.exit(f"mkman: cannot read natd --help's command line {lines[i]!r}")
        cur = [it[0].split()[0].rstrip(","), [it[2]] if it[2] else []]
        cmds.append(cur)
        i += 1
        while i < len(lines) and lines[i].strip() and indent(lines[i]) >= it[1]:
            cur[1].append(lines[i].strip())
            i += 1
    out = []
    for name, desc in cmds:
        d = " ".join(desc)
        d = re.sub(r"\s*\(natd [^)]*--help[^)]*\)", "", d).strip()
        if name in ("help", "version"):
            continue
        out.append((name, d))
    return out


def subcommands(text):
    lines = text.split("\n")
    for k, line in enumerate(lines):
        if line.startswith("Subcommands"):
            subs = []
            for l in lines[k + 1:]:
                if not l.strip():
                    break
                if 0 < indent(l) <= 4:
                    subs.append(l.split()[0])
            return subs
    return []


def header(name, version, desc):
    return ['.\\" Generated by dist/mkman.py from natd\'s --help texts: do not edit.',
            f'.TH {name.upper()} 1 "" "natd {version}" "natd manual"',
            ".nh", ".ad l", ".SH NAME", f"{esc(name)} \\- {esc(desc)}"]


def synopsis(page, usage):
    page.out += [".SH SYNOPSIS", ".nf"] + [esc(u) for u in usage] + [".fi"]


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: mkman.py NATD OUTDIR [VERSION]")
    natd, outdir = sys.argv[1], sys.argv[2]
    version = sys.argv[3] if len(sys.argv) == 4 else "?"
    os.makedirs(outdir, exist_ok=True)
    main_help = help_text(natd)
    cmds = commands(main_help)

    pages = {}
    page = Page()
    usage, rest = split_usage(main_help)
    page.out = header("natd", version, "userspace NAT and virtual networks for VMs")
    synopsis(page, usage)
    page.body(rest)
    page.out += [".SH \"SEE ALSO\""]
    page.out.append(",\n".join(f".BR natd\\-{c} (1)" for c, _ in cmds))
    pages["natd"] = page.out

    for cmd, desc in cmds:
        page = Page()
        text = help_text(natd, cmd)
        usage, rest = split_usage(text)
        page.out = header(f"natd-{cmd}", version, desc)
        synopsis(page, usage)
        page.body(rest)
        subs = subcommands(text)
        if subs:
            page.sh("SUBCOMMANDS")
            for sub in subs:
                susage, srest = split_usage(help_text(natd, cmd, sub))
                page.ss(f"natd {cmd} {sub}")
                page.out += [".nf"] + [esc(u) for u in susage] + [".fi"]
                page.body(srest, first_section=None, heading=sub)
        page.out += [".SH \"SEE ALSO\"", ".BR natd (1)"]
        pages[f"natd-{cmd}"] = page.out

    # a command that went away leaves no page behind
    for old in os.listdir(outdir):
        if old.endswith(".1") and old[:-2] not in pages:
            os.remove(os.path.join(outdir, old))
    for name, lines in pages.items():
        with open(os.path.join(outdir, f"{name}.1"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
