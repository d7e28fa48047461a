"""Exceptions shared by every part of khotin."""


class UserError(Exception):
    """A problem the user can fix (bad query, missing file, unknown site).

    The command line prints it as one line and exits with status 2; the web
    layer turns it into a 400 with the same message.
    """
