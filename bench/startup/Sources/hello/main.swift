// The floor of a Swift program on this machine: process start, the statically linked runtime, one line.
print("Hello, world!")
