"""STUB: the CLI helper replaces this."""


def main(argv=None):
    return 0
