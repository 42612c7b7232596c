#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A strict reader of the Prometheus text exposition format 0.0.4, for the tests.

  promcheck.py check FILE             exit 0, or 1 with "FILE:LINE: what" on stderr
  promcheck.py get FILE NAME [L=V...] the value of the one sample NAME whose labels
                                      include every L=V ("NONE" / "MANY" otherwise)
  promcheck.py count FILE NAME        how many samples NAME has
  promcheck.py labels FILE NAME L     the values of label L of NAME's samples, one a line
  promcheck.py official FILE          parse with prometheus_client (python3-prometheus-
                                      client), exit 77 when it is not installed

Stricter than Prometheus' own parser where the format leaves room, so that
anything this accepts, every reader accepts: no blank lines and no comment
but HELP and TYPE; HELP and TYPE before a family's samples, once each; a
family's samples together; no series twice; label values escaped exactly
(only \\\\, \\" and \\n) and valid UTF-8; counters named *_total, not negative;
the last line ends with a newline. Labels are decoded for get/labels.
"""
import math
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class Bad(Exception):
    pass


def parse_value(text):
    if text in ("NaN", "+Inf", "-Inf"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    if not re.fullmatch(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?", text):
        raise Bad("value %r is not a number" % text)
    return float(text)


def parse_labels(s, i):
    """s[i] is '{': return (dict, index after '}')."""
    labels = {}
    i += 1
    while True:
        if s[i:i + 1] == "}":
            return labels, i + 1
        m = LABEL.match(s, i)
        if not m:
            raise Bad("bad label name at column %d" % (i + 1))
        name = m.group(0)
        if name.startswith("__"):
            raise Bad("label name %s is reserved" % name)
        if name in labels:
            raise Bad("label %s twice" % name)
        i = m.end()
        if s[i:i + 2] != '="':
            raise Bad('label %s: want =" at column %d' % (name, i + 1))
        i += 2
        out = bytearray()
        while True:
            if i >= len(s):
                raise Bad("label %s: unterminated value" % name)
            c = s[i]
            if c == "\\":
                esc = s[i + 1:i + 2]
                if esc not in ("\\", '"', "n"):
                    raise Bad("label %s: bad escape \\%s" % (name, esc))
                out += b"\n" if esc == "n" else esc.encode()
                i += 2
            elif c == '"':
                i += 1
                break
            else:
                out += c.encode("utf-8", "surrogateescape")
                i += 1
        try:
            labels[name] = out.decode("utf-8")
        except UnicodeDecodeError:
            raise Bad("label %s: value is not UTF-8" % name)
        if s[i:i + 1] == ",":
            i += 1
        elif s[i:i + 1] != "}":
            raise Bad("label %s: want , or } at column %d" % (name, i + 1))


def unescape_help(text):
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            esc = text[i + 1:i + 2]
            if esc not in ("\\", "n"):
                raise Bad("HELP: bad escape \\%s" % esc)
            out.append("\n" if esc == "n" else "\\")
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def parse(data):
    """data: bytes. Returns (families {name: {type, help}}, samples [(name, labels, value)])."""
    if not data:
        return {}, []
    if not data.endswith(b"\n"):
        raise Bad("the last line does not end with a newline")
    text = data.decode("utf-8", "surrogateescape")
    families, samples, seen, done = {}, [], set(), set()
    current = None
    for no, line in enumerate(text.split("\n")[:-1], 1):
        try:
            if line == "":
                raise Bad("a blank line")
            if line.startswith("#"):
                m = re.fullmatch(r"# (HELP|TYPE) (\S+) ?(.*)", line, re.S)
                if not m:
                    raise Bad("a comment that is neither HELP nor TYPE")
                kind, name, rest = m.groups()
                if not NAME.fullmatch(name):
                    raise Bad("bad metric name %r" % name)
                if name in done:
                    raise Bad("%s: its family was already closed" % name)
                if current and current != name:
                    done.add(current)
                current = name
                fam = families.setdefault(name, {})
                if any(s[0] == name for s in samples):
                    raise Bad("%s: %s after its samples" % (name, kind))
                if kind in fam:
                    raise Bad("%s: a second %s" % (name, kind))
                if kind == "TYPE":
                    if rest not in TYPES:
                        raise Bad("%s: unknown type %r" % (name, rest))
                    fam["TYPE"] = rest
                else:
                    fam["HELP"] = unescape_help(rest)
                continue
            m = NAME.match(line)
            if not m:
                raise Bad("a sample without a metric name")
            name = m.group(0)
            i = m.end()
            labels = {}
            if line[i:i + 1] == "{":
                labels, i = parse_labels(line, i)
            if line[i:i + 1] != " ":
                raise Bad("%s: want one space before the value" % name)
            parts = line[i + 1:].split(" ")
            if len(parts) not in (1, 2) or "" in parts:
                raise Bad("%s: want VALUE [TIMESTAMP]" % name)
            value = parse_value(parts[0])
            if len(parts) == 2 and not re.fullmatch(r"-?[0-9]+", parts[1]):
                raise Bad("%s: bad timestamp" % name)
            fam = families.get(name)
            if not fam or "TYPE" not in fam or "HELP" not in fam:
                raise Bad("%s: a sample before its HELP and TYPE" % name)
            if name in done or (current and current != name):
                raise Bad("%s: its samples are not together" % name)
            current = name
            key = (name, tuple(sorted(labels.items())))
            if key in seen:
                raise Bad("%s: the same series twice" % name)
            seen.add(key)
            if fam["TYPE"] == "counter" and (value < 0 or math.isnan(value)):
                raise Bad("%s: a counter below 0" % name)
            samples.append((name, labels, value))
        except Bad as e:
            raise Bad("line %d: %s" % (no, e))
    for name, fam in families.items():
        if "TYPE" not in fam or "HELP" not in fam:
            raise Bad("%s: HELP or TYPE missing" % name)
        if (fam["TYPE"] == "counter") != name.endswith("_total"):
            raise Bad("%s: only counters end in _total, and every counter does" % name)
        if not any(s[0] == name for s in samples):
            raise Bad("%s: a family without a sample" % name)
    return families, samples


def fmt(v):
    return str(int(v)) if v == int(v) else repr(v)


def main(argv):
    cmd, path = argv[1], argv[2]
    with open(path, "rb") as f:
        data = f.read()
    if cmd == "official":
        try:
            from prometheus_client.parser import text_string_to_metric_families
        except ImportError:
            return 77
        n = 0
        for fam in text_string_to_metric_families(data.decode("utf-8")):
            n += len(fam.samples)
        print(n)
        return 0
    try:
        _, samples = parse(data)
    except Bad as e:
        print("%s:%s" % (path, e), file=sys.stderr)
        return 1
    if cmd == "check":
        return 0
    name = argv[3]
    mine = [s for s in samples if s[0] == name]
    if cmd == "count":
        print(len(mine))
    elif cmd == "labels":
        for s in mine:
            print(s[1].get(argv[4], ""))
    elif cmd == "get":
        want = dict(a.split("=", 1) for a in argv[4:])
        hits = [s for s in mine if all(s[1].get(k) == v for k, v in want.items())]
        print(fmt(hits[0][2]) if len(hits) == 1 else ("NONE" if not hits else "MANY"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
