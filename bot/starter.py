"""The commented starter config that `wirewatch init` writes."""

STARTER = """\
# wirewatch configuration (TOML). Check it with `wirewatch check-config`; run with `wirewatch run`.
# Secrets never go in this file: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (and SLACK_APP_TOKEN for
# Socket Mode), DISCORD_BOT_TOKEN or DISCORD_WEBHOOK_URL in the environment.

[bot]
timezone = "UTC"              # time zone of digest times, e.g. "Europe/Berlin"
# admins = ["U0123ABCD"]      # Slack or Discord user ids that may change feeds from chat

[storage]
path = "data/wirewatch.db"    # the SQLite file; relative to this file
window = "14d"                # how far back stories and quotes are matched
# keep = "365d"               # forget stories that gained nothing for this long (default: keep all)

# The HTTP server: Slack HTTP mode (requests at /slack/events), /healthz and /metrics.
# [server]
# host = "127.0.0.1"          # "0.0.0.0" in a container, behind a TLS-terminating proxy
# port = 3000

# One [[feeds]] table per source: an http(s) RSS/Atom URL, or a local file or folder.
# [[feeds]]
# name = "wire"
# url = "https://news.example.com/rss.xml"
# every = "10m"               # how often it is polled
# backfill = 0                # how many of a new feed's items its first poll posts

# One [[channels]] table per place digests go to.
[[channels]]
platform = "console"          # console, slack (id "C0123ABCD") or discord (the channel id)
id = "newsdesk"
digest = "hourly"             # a cron expression ("0 7 * * 1-5"), "hourly" or "daily"
# feeds = ["wire"]            # only these feeds
# keywords = ["election"]     # only stories that mention one of these
"""
