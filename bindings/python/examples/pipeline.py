#!/usr/bin/env python3
"""A subprocess pipeline with weft.subprocess: the word frequencies of a text.

    PYTHONPATH=build/bindings/python /usr/bin/python3 bindings/python/examples/pipeline.py [FILE]

Like the shell's `tr -cs A-Za-z '\\n' < FILE | tr A-Z a-z | sort | uniq -c |
sort -rn | head`, with each stage a weft child and the pipes between them
made by weft; the last stage's output is read with communicate().
"""
import sys

from weft import subprocess

TEXT = b"""It was the best of times, it was the worst of times, it was the age of
wisdom, it was the age of foolishness, it was the epoch of belief, it was the
epoch of incredulity, it was the season of Light, it was the season of Darkness.
"""


def word_counts(data, top=5):
    stages = [
        ["tr", "-cs", "A-Za-z", "\\n"],
        ["tr", "A-Z", "a-z"],
        ["sort"],
        ["uniq", "-c"],
        ["sort", "-rn"],
        ["head", "-n", str(top)],
    ]
    procs = []
    stdin = subprocess.PIPE
    for argv in stages:
        p = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE)
        if procs:
            procs[-1].stdout.close()  # the next stage owns the read end now
        else:
            first = p
        procs.append(p)
        stdin = p.stdout
    first.stdin.write(data)
    first.stdin.close()
    out, _ = procs[-1].communicate(timeout=30)
    codes = [p.wait() for p in procs]
    if any(codes):
        raise subprocess.CalledProcessError(max(codes), "pipeline")
    return [(int(n), w) for n, w in (line.split() for line in out.decode().splitlines())]


def main():
    data = open(sys.argv[1], "rb").read() if len(sys.argv) > 1 else TEXT
    for count, word in word_counts(data):
        print("%6d %s" % (count, word))


if __name__ == "__main__":
    main()
