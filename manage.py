#!/usr/bin/env python
import gc
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desk.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    finally:
        # As it ends, the interpreter collects garbage again and again while it takes the modules
        # apart, going through every object still alive each time; frozen, they are passed over
        # (their memory goes with the process). A tenth of a second or more off every command.
        gc.freeze()
