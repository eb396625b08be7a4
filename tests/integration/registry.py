"""The command registry (control/cmd/commands.h) read as the tests see it: commands, hpctl objects, telemetry names.

The tests check every place the registry drives against this reading of the header itself, so a
command that one of them misses fails a test."""
import os
import re

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "control", "cmd", "commands.h")


def _block(text, macro):
    """The rows of `#define MACRO(X) ...`, continuation lines joined."""
    m = re.search(r"^#define %s\(X\)(.*?)(?<!\\)\n(?!\t)" % macro, text, re.M | re.S)
    assert m, "no %s in %s" % (macro, HEADER)
    return m.group(1).replace("\\\n", " ")


def load(path=HEADER):
    """{"commands": [(name, read_only)], "objects": [(object, [extra verbs])], "telemetry": [(command, name)]}."""
    with open(path) as f:
        text = f.read()
    ids = {}
    commands = []
    for cid, name, flags in re.findall(r'X\((\w+), "([^"]+)", ([^,]+),', _block(text, "HP_COMMANDS")):
        ids[cid] = name
        commands.append((name, "HP_CMD_RO" in flags))
    objects = [(obj, extra.split()) for obj, extra in re.findall(r'X\((\w+), "([^"]*)",', _block(text, "HP_OBJECTS"))]
    telemetry = [(ids[cid], name) for cid, name in re.findall(r'X\((\w+), "(/hotpath/[^"]*)"', _block(text, "HP_TELEMETRY"))]
    assert len(commands) >= 29 and len(objects) >= 12 and len(telemetry) >= 6, (commands, objects, telemetry)
    return {"commands": commands, "objects": objects, "telemetry": telemetry}
