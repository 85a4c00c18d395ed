#!/usr/bin/env python3
"""Writes COUNT 4 KiB blocks to FIRST and SECOND alternately with O_DIRECT, so that btrfs allocates
each write on its own, one after the other: on an empty NOCOW file system FIRST ends up with COUNT
extents, each separated from the next by one of SECOND's. Usage: interleave.py FIRST SECOND COUNT"""
import mmap
import os
import sys

first, second, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
block = 4096
buffer = mmap.mmap(-1, block)  # page-aligned, as O_DIRECT needs
descriptors = [os.open(path, os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o600) for path in (first, second)]
for index in range(count):
    for descriptor in descriptors:
        os.pwrite(descriptor, buffer, index * block)
for descriptor in descriptors:
    os.close(descriptor)
