try:
    from .launch import main
except KeyboardInterrupt:  # Ctrl-C before launch.main's own handling is in place
    import os
    import sys

    sys.stderr.write("interrupted\n")
    sys.stderr.flush()
    os._exit(130)

main()
