"""`python -m service.cli`: the `replydesk` command."""

from service.cli import main

main()
