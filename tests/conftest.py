"""Set-up shared by every test module."""

import signal

# A shell's background job (`make test &`, nohup) starts with SIGINT ignored, and an ignored
# signal stays ignored in every program it starts: the Ctrl-C tests would wait on a stage that
# cannot hear Ctrl-C. A handler set here is reset to the default in each program a test starts.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
